"""Untrusted Markdown on screen: a browser that loads nothing, rendered whole once and, while the
text streams, block by block (each update costs what is new, however long the text is). Used by
the message bubbles and the thought pane."""

from __future__ import annotations

import re

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QTextEdit, QWidget

from reasoner_desktop.export.rich_text import complete_blocks_end, render_markdown

TAIL_BLOCK_CHARS = 400  # a streaming paragraph continues in a new block past this length
HIGHLIGHT = QColor(255, 200, 0, 110)  # search matches, readable in both themes


def app_is_dark() -> bool:
    """The app's theme (the application palette changes at once; a widget's follows later)."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


class SafeBrowser(QTextBrowser):
    """Rich text from an untrusted source: it loads nothing (no remote or local images, no
    style sheets) and follows no link by itself; the owner decides what a click does."""

    def __init__(self, parent: QWidget | None = None, *, fit_height: bool = True) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.requested: list[str] = []  # what the content asked to load (for tests): never loaded
        self._fits = fit_height
        if fit_height:  # a bubble: as tall as its text, the chat scrolls
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.viewport().setAutoFillBackground(False)
            self.setStyleSheet("QTextBrowser { background: transparent; }")
            self.document().contentsChanged.connect(self._fit_height)
        self.document().setDocumentMargin(2)

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt override)
        """An empty resource of the asked kind, always. (Returning None would let the document
        decode a data: URL or read a local file itself.)"""
        self.requested.append(url.toString())
        return QImage() if kind == QTextDocument.ResourceType.ImageResource.value else QByteArray()

    def _fit_height(self) -> None:
        doc = self.document()
        width = self.viewport().width()
        if doc.textWidth() != width:  # setting it, even unchanged, lays the whole document out again
            doc.setTextWidth(width)
        h = int(doc.size().height()) + 4
        if h != self.height():
            self.setFixedHeight(h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fits:
            self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(400, self.height()) if self._fits else super().sizeHint()

    def highlight(self, words: str) -> int | None:
        """Mark every occurrence of the search's words (a prefix for the last one, as the search
        matches); returns the y of the first mark in the document, or None if none was found."""
        terms = [t for t in re.findall(r"\w+", words, re.UNICODE) if t]
        selections, first = [], None
        doc = self.document()
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, False)
        for term in terms:
            cursor = QTextCursor(doc)
            while True:
                cursor = doc.find(term, cursor)  # case-insensitive by default
                if cursor.isNull():
                    break
                sel = QTextEdit.ExtraSelection()
                sel.cursor, sel.format = cursor, fmt
                selections.append(sel)
                y = self.cursorRect(cursor).top() + self.verticalScrollBar().value()
                first = y if first is None else min(first, y)
        self.setExtraSelections(selections)
        return first


def _break_at(text: str) -> int:
    """Where a long streaming paragraph may continue on a new line: after a sentence, else a word."""
    cut = max(text.rfind(". "), text.rfind("。"), text.rfind("? "), text.rfind("! "))
    return cut + 1 if cut > 0 else text.rfind(" ")


class MarkdownRenderer:
    """Renders text into a SafeBrowser: whole (`show`) or as it grows (`grow`)."""

    def __init__(self, browser: SafeBrowser, *, copy_links: bool = True) -> None:
        self.browser = browser
        self.copy_links = copy_links  # Copy links under code blocks (the owner handles copy: URLs)
        self.code_blocks: list[str] = []
        self.rendered_as: tuple | None = None  # (text, dark) of the last whole render
        self._streamed = 0  # characters shown while streaming
        self._md_upto = 0  # ... of which rendered as Markdown
        self._tail_start = 0  # document position where the plain, still-growing tail starts
        self._source = ""  # the text streamed so far (grow() takes only longer versions of it)

    def show(self, text: str, dark: bool, *, plain: bool = False) -> None:
        """The whole text, rendered once (again only when it or the theme changed)."""
        key = (text, dark, plain)
        if key == self.rendered_as:
            return
        if plain:
            self.browser.setPlainText(text)
            self.code_blocks = []
        else:
            rendered = render_markdown(text, dark=dark, copy_links=self.copy_links)
            self.browser.document().setHtml(rendered.html)
            self.code_blocks = rendered.code_blocks
        self.rendered_as = key
        self._streamed = 0
        self._source = ""

    def grow(self, text: str, dark: bool) -> None:
        """While text streams, each update costs what is new: Markdown blocks that are complete (up
        to the last blank line outside a code fence) are rendered once and added; the block still
        being written is appended as plain text."""
        doc = self.browser.document()
        # Another text, not a longer one (a parallel turn's leading path changed): start over.
        if self.rendered_as is not None or self._streamed > len(text) or not text.startswith(self._source):
            doc.clear()
            self.rendered_as = None
            self._streamed = self._md_upto = self._tail_start = 0
            self.code_blocks = []
        cursor = QTextCursor(doc)
        split = complete_blocks_end(text, self._md_upto)
        if split > self._md_upto:
            cursor.setPosition(self._tail_start)
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            rendered = render_markdown(text[self._md_upto:split], dark=dark, code_start=len(self.code_blocks),
                                       copy_links=self.copy_links)
            cursor.insertHtml(rendered.html)
            self.code_blocks += rendered.code_blocks
            self._md_upto = split
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            self._tail_start = cursor.position()
            tail = text[split:]
        else:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            tail = text[max(self._streamed, self._md_upto):]
        if tail:
            cursor.setCharFormat(QTextCharFormat())
            block = cursor.block()
            if block.length() + len(tail) > TAIL_BLOCK_CHARS and (cut := _break_at(tail)) > 0:
                # Qt lays out a whole paragraph on every change: a paragraph that never ends would
                # cost more each update. Continue it in a new block (a line break until the final
                # render) so that an update costs what is new.
                cursor.insertText(tail[:cut])
                fmt = QTextBlockFormat()
                fmt.setTopMargin(0)
                cursor.insertBlock(fmt, QTextCharFormat())
                tail = tail[cut:].lstrip(" ")
            cursor.insertText(tail)
        self._streamed = len(text)
        self._source = text

    def reset(self) -> None:
        self.browser.clear()
        self.rendered_as = None
        self._streamed = self._md_upto = self._tail_start = 0
        self._source = ""
        self.code_blocks = []
