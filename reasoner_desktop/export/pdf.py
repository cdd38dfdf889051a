"""PDF through Qt's PDF writer: the only module of export/ that uses Qt (QtGui, no widgets).

Qt lays out the text with the system's fonts and falls back per glyph, so Chinese, Japanese
and Korean text renders wherever a CJK font is installed (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import html
import os
import sys
import tempfile
from pathlib import Path

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.export.code_blocks import split_code
from reasoner_desktop.export.documents import ROLE_NAMES, STATUS_NOTES, thought_title
from reasoner_desktop.export.files import write_atomic
from reasoner_desktop.export.options import ThinkingExport

MONO = "DejaVu Sans Mono, Noto Sans Mono, Consolas, Menlo, monospace"


def _gui_app():
    """QTextDocument needs a QGuiApplication; the CLI has none, so make a headless one."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["reasoner-desktop"])
    return app


def _text_html(text: str, color: str = "") -> str:
    style = f" color:{color};" if color else ""
    parts = []
    for is_code, chunk in split_code(text):
        if is_code:
            parts.append(f'<pre style="font-family:{MONO}; font-size:9pt; background-color:#f2f2f2;">'
                         f"{html.escape(chunk)}</pre>")
        else:
            body = html.escape(chunk.strip("\n")).replace("\n", "<br>")
            parts.append(f'<p style="margin:2px 0;{style}">{body}</p>')
    return "".join(parts)


def to_qt_html(conversations: list[ConversationRecord], thinking: ThinkingExport) -> str:
    out = []
    for n, conv in enumerate(conversations):
        if n:
            out.append('<p style="page-break-before:always"></p>')
        out.append(f"<h1>{html.escape(conv.title)}</h1>")
        out.append(f'<p style="color:#6e6e73">{html.escape(conv.model or "")}</p>')
        for m in conv.path_messages:
            status = STATUS_NOTES.get(m.status)
            out.append(f'<h3 style="margin-top:14px">{ROLE_NAMES[m.role]}'
                       + (f' <i style="color:#6e6e73">({status})</i>' if status else "") + "</h3>")
            if m.thinking and thinking is not ThinkingExport.OMIT:  # a PDF cannot fold: collapse = include
                out.append(f'<p style="color:#6e6e73; font-size:9pt"><b>{html.escape(thought_title(m))}</b></p>')
                out.append(f'<div style="margin-left:12px; font-size:9pt">{_text_html(m.thinking, "#555555")}</div>')
            out.append(_text_html(m.content))
    return "".join(out)


def render_pdf(conversations: list[ConversationRecord], thinking: ThinkingExport) -> bytes:
    _gui_app()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.pdf"
        writer = QPdfWriter(str(target))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        writer.setResolution(300)
        writer.setTitle(conversations[0].title if len(conversations) == 1 else "Conversations")
        writer.setCreator("Reasoner Desktop")
        doc = QTextDocument()
        font = doc.defaultFont()
        font.setPointSize(10)
        doc.setDefaultFont(font)
        doc.setHtml(to_qt_html(conversations, thinking))
        doc.print_(writer)  # paginates on the writer's page, scaling fonts to its resolution
        del writer
        return target.read_bytes()


def write_pdf(path: Path, conversations: list[ConversationRecord], thinking: ThinkingExport, *,
              force: bool = False) -> None:
    write_atomic(path, render_pdf(conversations, thinking), force=force)
