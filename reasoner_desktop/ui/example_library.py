"""The example library: the user's worked examples for prompted thinking ("Examples: library" in the
composer), each a question, a thought and an answer. Add one here or from any answer's menu, edit,
delete; every change is saved at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reasoner_desktop.storage.errors import DatabaseError


class ExampleLibraryDialog(QDialog):
    def __init__(self, repo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exampleLibraryDialog")
        self.setWindowTitle(self.tr("Example library"))
        self.repo = repo
        self.current: int | None = None  # the example being edited; None: a new one

        self.list = QListWidget()
        self.list.setObjectName("exampleList")
        self.list.currentItemChanged.connect(self._on_selected)
        self.question = self._editor("exampleQuestion", self.tr("The question"))
        self.thought = self._editor("exampleThought", self.tr("How to think it through, step by step"))
        self.answer = self._editor("exampleAnswer", self.tr("The final answer"))
        self.error = QLabel("")
        self.error.setObjectName("exampleError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e03131;")
        self.error.hide()
        new = QPushButton(self.tr("New"))
        new.setObjectName("newExampleButton")
        new.clicked.connect(self.new)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setObjectName("saveExampleButton")
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.setObjectName("deleteExampleButton")
        self.delete_button.clicked.connect(self.delete)

        form = QFormLayout()
        form.addRow(self.tr("Question"), self.question)
        form.addRow(self.tr("Thought"), self.thought)
        form.addRow(self.tr("Answer"), self.answer)
        row = QHBoxLayout()
        row.addWidget(new)
        row.addStretch(1)
        row.addWidget(self.delete_button)
        row.addWidget(self.save_button)
        editor = QWidget()
        side = QVBoxLayout(editor)
        side.setContentsMargins(0, 0, 0, 0)
        side.addLayout(form, 1)
        side.addWidget(self.error)
        side.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(editor)
        split.setStretchFactor(1, 2)
        hint = QLabel(self.tr("Shown to the model as worked examples when the composer says “Examples: library” "
                              "(prompted thinking). Add any answer with its ⋯ menu."))
        hint.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        self.resize(760, 480)
        self.reload()

    @staticmethod
    def _editor(name: str, placeholder: str) -> QPlainTextEdit:
        box = QPlainTextEdit()
        box.setObjectName(name)
        box.setPlaceholderText(placeholder)
        box.setTabChangesFocus(True)
        return box

    def reload(self, select: int | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for ex in self.repo.list_examples():
            title = " ".join(ex.question.split())
            item = QListWidgetItem(title if len(title) <= 60 else title[:59] + "…")
            item.setData(Qt.ItemDataRole.UserRole, ex.id)
            item.setToolTip(ex.question[:500])
            self.list.addItem(item)
            if ex.id == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._show(self.list.currentItem())

    def _texts(self) -> tuple[str, str, str]:
        return self.question.toPlainText(), self.thought.toPlainText(), self.answer.toPlainText()

    def _dirty(self) -> bool:
        """The editors hold something not saved yet."""
        texts = tuple(t.strip() for t in self._texts())
        if self.current is None:
            return any(texts)
        ex = next((e for e in self.repo.list_examples() if e.id == self.current), None)
        return ex is not None and texts != (ex.question.strip(), ex.thought.strip(), ex.answer.strip())

    def _on_selected(self, item: QListWidgetItem | None, previous: QListWidgetItem | None = None) -> None:
        if self._dirty():  # what was typed is saved before another example is shown, never dropped
            target = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
            if self.save(select=target) is None:  # refused (it says why): stay on it
                self.list.blockSignals(True)
                self.list.setCurrentItem(previous)
                self.list.blockSignals(False)
            return
        self._show(item)

    def _show(self, item: QListWidgetItem | None) -> None:
        self.error.hide()
        ex = None
        if item is not None:
            example_id = item.data(Qt.ItemDataRole.UserRole)
            ex = next((e for e in self.repo.list_examples() if e.id == example_id), None)
        self.current = ex.id if ex is not None else None
        self.question.setPlainText(ex.question if ex else "")
        self.thought.setPlainText(ex.thought if ex else "")
        self.answer.setPlainText(ex.answer if ex else "")
        self.delete_button.setEnabled(ex is not None)

    def new(self) -> None:
        if self._dirty() and self.save() is None:
            return
        self.list.blockSignals(True)
        self.list.setCurrentItem(None)
        self.list.clearSelection()
        self.list.blockSignals(False)
        self._show(None)
        self.question.setFocus()

    def save(self, *, select: int | None = None) -> int | None:
        """Save the example being edited (a new one is added); returns its id, None if it was refused. Then
        the list shows `select` (default: the one saved)."""
        texts = self._texts()
        try:
            if self.current is None:
                self.current = self.repo.add_example(*texts)
            else:
                self.repo.update_example(self.current, *texts)
        except (ValueError, KeyError, DatabaseError) as exc:
            self._show_error(exc)
            return None
        saved = self.current
        self.reload(select=saved if select is None else select)
        return saved

    def delete(self) -> None:
        if self.current is None:
            return
        try:
            self.repo.delete_example(self.current)
        except (KeyError, DatabaseError) as exc:
            self._show_error(exc)
            return
        self.current = None
        self.reload()

    def _show_error(self, exc: Exception) -> None:
        if isinstance(exc, KeyError):
            text = self.tr("That example no longer exists.")
        elif isinstance(exc, ValueError):
            text = str(exc)
        else:
            text = str(exc)  # a history error's own sentence
        self.error.setText(text)
        self.error.show()
