"""The sidebar: New chat, search (optionally inside thoughts), and conversations grouped by
date with pin, rename, export and delete (undoable) in a context menu."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.storage.repository import HistoryRepository

ID_ROLE = Qt.ItemDataRole.UserRole
HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # (message id, in thought) on a search result
UNDO_SECONDS = 10


def date_group(when: datetime, now: datetime) -> str:
    """The heading a conversation goes under, from its last activity (local time)."""
    day = when.astimezone().date()
    today = now.astimezone().date()
    if day >= today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    if day > today - timedelta(days=7):
        return "Previous 7 days"
    if day > today - timedelta(days=30):
        return "Previous 30 days"
    return "Older"


def plain_tip(text: str) -> str:
    """A tooltip that shows `text` as typed. Qt renders a tooltip as rich text whenever it merely
    looks like HTML (Qt.mightBeRichText), so a title or snippet from model text could show markup
    or load an image: escape it, and mark it rich text so the escaped text is what shows."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


class Sidebar(QWidget):
    conversationActivated = Signal(int)
    hitActivated = Signal(int, int, bool)  # conversation id, message id, found in its thought
    newChatRequested = Signal()
    exportRequested = Signal(int)
    deleted = Signal(int)  # hidden now, deleted for good after the undo time (or at exit)

    def __init__(self, repo: HistoryRepository, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.repo = repo
        self.current_id = 0
        self.busy_id: int | None = None  # the conversation an answer is being written in
        self.pending_delete: dict[int, QTimer] = {}

        self.new_chat_button = QPushButton(self.tr("New chat"))
        self.new_chat_button.setObjectName("newChatButton")
        self.new_chat_button.clicked.connect(self.newChatRequested)
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText(self.tr("Search chats (Ctrl+F)"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _: self._search_timer.start())
        self.thoughts_filter = QCheckBox(self.tr("Include thoughts"))
        self.thoughts_filter.setObjectName("searchThoughts")
        self.thoughts_filter.setToolTip(self.tr("Also search the models' chains of thought"))
        self.thoughts_filter.toggled.connect(lambda _: self.reload())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)  # search as you type, once typing pauses
        self._search_timer.timeout.connect(self.reload)

        self.list = QListWidget()
        self.list.setObjectName("conversationList")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setWordWrap(False)  # a title is one line, elided, whole in its tooltip
        self.list.setUniformItemSizes(False)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.search_box)
        layout.addWidget(self.thoughts_filter)
        layout.addWidget(self.list, 1)

    # -- filling ---------------------------------------------------------------------

    def _heading(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        font = item.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        item.setFont(font)
        self.list.addItem(item)

    def _entry(self, cid: int, text: str, tip: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(ID_ROLE, cid)
        item.setToolTip(plain_tip(tip))
        self.list.addItem(item)
        if cid == self.current_id:
            self.list.setCurrentItem(item)
        return item

    def reload(self) -> None:
        self.list.clear()
        query = self.search_box.text().strip()
        if query:
            self._fill_search(query)
            return
        now = datetime.now().astimezone()
        convs = [c for c in self.repo.list_conversations() if c.id not in self.pending_delete]
        pinned = [c for c in convs if c.pinned]
        group = None
        if pinned:
            self._heading(self.tr("Pinned"))
            for c in pinned:
                self._entry(c.id, "★ " + c.title, self._tip(c))
        for c in (c for c in convs if not c.pinned):
            g = date_group(c.updated_at, now)
            if g != group:
                group = g
                self._heading(self.tr(g))
            self._entry(c.id, c.title, self._tip(c))

    def _tip(self, c) -> str:
        return f"{c.title}\n{c.updated_at.astimezone():%Y-%m-%d %H:%M}"

    def _fill_search(self, query: str) -> None:
        hits = self.repo.search(query, include_thoughts=self.thoughts_filter.isChecked(), mark=("«", "»"))
        hits = [h for h in hits if h.conversation_id not in self.pending_delete]
        if not hits:
            self._heading(self.tr("No matches"))
            return
        self._heading(self.tr("%n match(es)", "", len(hits)))
        for h in hits:
            where = self.tr("in a thought") if h.field == "thinking" else ""
            text = f"{h.conversation_title}\n  {h.snippet}" + (f"  ({where})" if where else "")
            item = self._entry(h.conversation_id, text, h.snippet)
            item.setData(HIT_ROLE, (h.message_id, h.field == "thinking"))

    def set_current(self, cid: int) -> None:
        self.current_id = cid
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ID_ROLE) == cid:
                self.list.setCurrentItem(item)
                return
        self.list.clearSelection()

    def _clicked(self, item: QListWidgetItem) -> None:
        cid = item.data(ID_ROLE)
        hit = item.data(HIT_ROLE)
        if cid and hit:
            self.hitActivated.emit(int(cid), int(hit[0]), bool(hit[1]))
        elif cid:
            self.conversationActivated.emit(int(cid))

    # -- context menu ----------------------------------------------------------------

    def _menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None or not item.data(ID_ROLE):
            return
        cid = int(item.data(ID_ROLE))
        conv = self.repo.get_conversation(cid)
        if conv is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self.rename(cid))
        menu.addAction(self.tr("Unpin") if conv.pinned else self.tr("Pin"), lambda: self.set_pinned(cid, not conv.pinned))
        menu.addAction(self.tr("Export…"), lambda: self.exportRequested.emit(cid))
        menu.addSeparator()
        delete = menu.addAction(self.tr("Delete"), lambda: self.delete(cid))
        if cid == self.busy_id:
            delete.setEnabled(False)
            delete.setText(self.tr("Delete (an answer is being written here)"))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def rename(self, cid: int, title: str | None = None) -> None:
        conv = self.repo.get_conversation(cid)
        if conv is None:
            return
        if title is None:
            dialog = QInputDialog(self)
            dialog.setObjectName("renameDialog")
            dialog.setWindowTitle(self.tr("Rename conversation"))
            dialog.setLabelText(self.tr("Title:"))
            dialog.setTextValue(conv.title)
            dialog.setMinimumWidth(420)  # room for the title bar's text and a long title
            if dialog.exec() != QInputDialog.DialogCode.Accepted:
                return
            title = dialog.textValue()
        title = title.strip()
        if title:
            self.repo.rename_conversation(cid, title)
            self.reload()

    def set_pinned(self, cid: int, pinned: bool) -> None:
        self.repo.set_pinned(cid, pinned)
        self.reload()

    def delete(self, cid: int) -> None:
        """Hide the conversation now; delete it for good after UNDO_SECONDS unless undone."""
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(UNDO_SECONDS * 1000)
        timer.timeout.connect(lambda: self._delete_now(cid))
        self.pending_delete[cid] = timer
        timer.start()
        self.reload()
        self.deleted.emit(cid)

    def undo_delete(self) -> int | None:
        if not self.pending_delete:
            return None
        cid = list(self.pending_delete)[-1]
        self.pending_delete.pop(cid).stop()
        self.reload()
        return cid

    def _delete_now(self, cid: int) -> None:
        timer = self.pending_delete.pop(cid, None)
        if timer is not None:
            timer.stop()
            self.repo.delete_conversation(cid)

    def flush_deletes(self) -> None:
        for cid in list(self.pending_delete):
            self._delete_now(cid)

    def conversation_count(self) -> int:
        return sum(1 for i in range(self.list.count()) if self.list.item(i).data(ID_ROLE))
