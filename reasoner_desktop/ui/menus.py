"""Menus, toolbar and shortcuts of the main window, built in one place (Help lists the shortcuts)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QMessageBox, QSizePolicy, QToolBar, QWidget

from reasoner_desktop import __version__
from reasoner_desktop.ui.theme import icon


def _action(w, name: str, text: str, slot, shortcut=None, *, checkable=False, icon_name: str | None = None) -> QAction:
    a = QAction(text, w)
    a.setObjectName(name)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if checkable:
        a.setCheckable(True)
        a.toggled.connect(slot)
    else:
        a.triggered.connect(slot)
    if icon_name:
        a.setIcon(icon(icon_name))
    return a


def build_menus(w) -> None:
    tr = w.tr
    w.action_new_chat = _action(w, "actionNewChat", tr("&New chat"), w.new_chat, QKeySequence.StandardKey.New,
                                icon_name="new-chat")
    w.action_open_model = _action(w, "actionOpenModel", tr("&Open model file…"), w.choose_model_file,
                                  QKeySequence.StandardKey.Open)
    w.action_models = _action(w, "actionModels", tr("&Models…"), lambda: w.open_models(), "Ctrl+M", icon_name="models")
    w.action_export = _action(w, "actionExport", tr("&Export…"), lambda: w.export_conversations(), "Ctrl+E")
    w.action_import = _action(w, "actionImport", tr("&Import…"), w.import_conversations)
    w.action_dataset = _action(w, "actionDataset", tr("Export reasoning &dataset (thumbs-up answers)…"),
                               w.export_dataset)
    w.action_settings = _action(w, "actionSettings", tr("&Settings…"), w.open_settings,
                                "Ctrl+,", icon_name="settings")
    quit_ = _action(w, "actionQuit", tr("&Quit"), w.close, QKeySequence.StandardKey.Quit)
    file_menu = w.menuBar().addMenu(tr("&File"))
    file_menu.addActions([w.action_new_chat, w.action_open_model, w.action_models])
    file_menu.addSeparator()
    file_menu.addActions([w.action_export, w.action_import, w.action_dataset])
    file_menu.addSeparator()
    file_menu.addActions([w.action_settings, quit_])

    w.action_show_thoughts = _action(w, "actionShowThoughts", tr("Show &chain of thought"),
                                     w._on_show_thoughts_toggled, "Ctrl+Shift+T", checkable=True,
                                     icon_name="thought")
    w.action_search = _action(w, "actionSearch", tr("&Search chats"), w.focus_search, QKeySequence.StandardKey.Find)
    w.action_focus_input = _action(w, "actionFocusInput", tr("&Focus the message box"), w.composer.input.setFocus,
                                   "Ctrl+L")
    view_menu = w.menuBar().addMenu(tr("&View"))
    view_menu.addActions([w.action_show_thoughts, w.action_search, w.action_focus_input])

    w.action_stop = _action(w, "actionStop", tr("&Stop generating"), w.stop, "Ctrl+.", icon_name="stop")
    w.action_regenerate = _action(w, "actionRegenerate", tr("&Regenerate the last answer"), w.regenerate_last,
                                  "Ctrl+R")
    chat_menu = w.menuBar().addMenu(tr("&Chat"))
    chat_menu.addActions([w.action_stop, w.action_regenerate])

    help_menu = w.menuBar().addMenu(tr("&Help"))
    w.action_shortcuts = _action(w, "actionShortcuts", tr("&Keyboard shortcuts"), lambda: show_shortcuts(w), "F1")
    help_menu.addAction(w.action_shortcuts)
    help_menu.addAction(_action(w, "actionAbout", tr("&About Reasoner Desktop"), lambda: about(w)))

    bar = QToolBar(tr("Main toolbar"))
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setIconSize(QSize(18, 18))
    w.addToolBar(bar)
    bar.addAction(w.action_new_chat)
    w.model_picker = QComboBox()
    w.model_picker.setObjectName("modelPicker")
    w.model_picker.setToolTip(tr("The model that answers (Ctrl+M for all models)"))
    w.model_picker.setMinimumContentsLength(28)
    w.model_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    w.model_picker.activated.connect(w._on_model_picked)
    bar.addWidget(w.model_picker)
    bar.addAction(w.action_models)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    bar.addAction(w.action_show_thoughts)
    bar.addAction(w.action_settings)


def shortcut_rows(w) -> list[tuple[str, str]]:
    actions = [w.action_new_chat, w.action_search, w.action_focus_input, w.action_stop, w.action_regenerate,
               w.action_show_thoughts, w.action_models, w.action_open_model, w.action_export, w.action_settings,
               w.action_shortcuts]
    rows = [(a.shortcut().toString(QKeySequence.SequenceFormat.NativeText), a.text().replace("&", ""))
            for a in actions if not a.shortcut().isEmpty()]
    return [(w.tr("Enter / Shift+Enter"), w.tr("Send / new line"))] + rows


def show_shortcuts(w) -> QMessageBox:
    text = "<table cellpadding='4'>" + "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>"
                                               for k, v in shortcut_rows(w)) + "</table>"
    box = QMessageBox(QMessageBox.Icon.NoIcon, w.tr("Keyboard shortcuts"), text, QMessageBox.StandardButton.Ok, w)
    box.setObjectName("shortcutsDialog")
    box.open()
    return box


def about(w) -> None:
    QMessageBox.about(w, w.tr("About Reasoner Desktop"),
                      w.tr("Reasoner Desktop %1\nOffline chat with local reasoning models.").replace("%1", __version__))
