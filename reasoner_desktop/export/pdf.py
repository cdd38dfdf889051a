"""PDF through Qt's PDF writer: the only module of export/ that uses Qt (QtGui, no widgets).

Answers and thoughts are rendered by the same Markdown pipeline as the window (export/rich_text.py,
light, without Copy links): headings, lists, tables, highlighted code and math, inert. Qt lays out
the text with the system's fonts and falls back per glyph, so Chinese, Japanese and Korean text
renders wherever a CJK font is installed (Debian: fonts-noto-cjk); the document's fonts are Latin
ones so that Latin punctuation is never drawn by a CJK font (full-width).
"""

from __future__ import annotations

import html
import os
import sys
import tempfile
from pathlib import Path

from reasoner_desktop.domain.history import ConversationRecord
from reasoner_desktop.domain.messages import Role
from reasoner_desktop.export.documents import ROLE_NAMES, STATUS_NOTES, answer_text, thought_title
from reasoner_desktop.export.files import write_atomic
from reasoner_desktop.export.options import ThinkingExport
from reasoner_desktop.export.rich_text import render_markdown

# Latin fonts, tried in order for each character; Chinese, Japanese and Korean characters then come
# from the system's fallback for their script (fontconfig orders it by the user's language), so a
# CJK font never draws Latin punctuation (full-width) even where it is the system's default font.
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans"]
MUTED = "#6e6e73"
TITLE_STYLE = "font-size:20pt; font-weight:bold; margin-bottom:2px"
ROLE_STYLE = "margin-top:16px; font-size:11pt; font-weight:bold"
HEADING_PT = {1: 14.0, 2: 12.5, 3: 11.0}  # headings inside messages, below the title; deeper ones 10pt


def _gui_app():
    """QTextDocument needs a QGuiApplication; the CLI has none, so make a headless one."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["reasoner-desktop"])
    return app


def _plain_html(text: str) -> str:
    """A question as typed: escaped, line breaks kept."""
    body = html.escape(text.strip("\n")).replace("\n", "<br>")
    return f'<p style="margin:2px 0;">{body}</p>'


def _markdown_html(text: str) -> str:
    return render_markdown(text, copy_links=False).html


def to_qt_html(conversations: list[ConversationRecord], thinking: ThinkingExport) -> str:
    out = []
    for n, conv in enumerate(conversations):
        if n:
            out.append('<p style="page-break-before:always"></p>')
        out.append(f'<p style="{TITLE_STYLE}">{html.escape(conv.title)}</p>')
        out.append(f'<p style="color:{MUTED}">{html.escape(conv.model or "")}</p>')
        if conv.system_prompt:
            out.append(f'<p style="{ROLE_STYLE}">System</p>{_plain_html(conv.system_prompt)}')
        for m in conv.path_messages:
            status = STATUS_NOTES.get(m.status)
            out.append(f'<p style="{ROLE_STYLE}">{ROLE_NAMES[m.role]}'
                       + (f' <i style="color:{MUTED}">({status})</i>' if status else "") + "</p>")
            if m.thinking and thinking is not ThinkingExport.OMIT:  # a PDF cannot fold: collapse = include
                out.append(f'<p style="color:{MUTED}; font-size:9pt"><b>{html.escape(thought_title(m))}</b></p>')
                out.append(f'<div style="margin-left:12px; color:{MUTED}; font-size:9pt">'
                           f"{_markdown_html(m.thinking)}</div>")
            out.append(_markdown_html(answer_text(m)) if m.role is not Role.USER else _plain_html(m.content))
    return "".join(out)


def _size_headings(doc) -> None:
    """Qt sizes <h1>…<h6> by a relative adjustment that outranks any CSS font-size (an <h1> in an
    answer would be as large as the conversation's title): give the headings point sizes here."""
    from PySide6.QtGui import QTextCursor, QTextFormat

    changes = []  # (start, end, format): gathered first, as changing a format can merge fragments
    block = doc.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        it = block.begin()
        while level and not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            fmt.clearProperty(QTextFormat.Property.FontSizeAdjustment)
            fmt.setFontPointSize(HEADING_PT.get(level, 10.0))
            changes.append((fragment.position(), fragment.position() + fragment.length(), fmt))
            it += 1
        block = block.next()
    cursor = QTextCursor(doc)
    for start, end, fmt in changes:
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(fmt)


def _inert_document():
    """A QTextDocument that loads nothing: a bare one would read local files and decode data: URLs
    for any <img> in its HTML (ours has none; this keeps it so whatever slips through)."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QImage, QTextDocument

    class InertDocument(QTextDocument):
        def loadResource(self, kind: int, url):  # noqa: N802 (Qt override)
            return QImage() if kind == QTextDocument.ResourceType.ImageResource.value else QByteArray()

    return InertDocument()


def render_pdf(conversations: list[ConversationRecord], thinking: ThinkingExport) -> bytes:
    _gui_app()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.pdf"
        writer = QPdfWriter(str(target))
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        writer.setResolution(300)
        writer.setTitle(conversations[0].title if len(conversations) == 1 else "Conversations")
        writer.setCreator("Reasoner Desktop")
        doc = _inert_document()
        font = doc.defaultFont()
        font.setFamilies(FONT_FAMILIES)
        font.setPointSize(10)
        doc.setDefaultFont(font)
        doc.setHtml(to_qt_html(conversations, thinking))
        _size_headings(doc)
        doc.print_(writer)  # paginates on the writer's page, scaling fonts to its resolution
        del writer
        return target.read_bytes()


def write_pdf(path: Path, conversations: list[ConversationRecord], thinking: ThinkingExport, *,
              force: bool = False) -> None:
    write_atomic(path, render_pdf(conversations, thinking), force=force)
