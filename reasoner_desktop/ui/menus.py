"""Menus, toolbar and shortcuts of the main window, built in one place (Help lists the shortcuts)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QMessageBox, QSizePolicy, QToolBar, QWidget

from reasoner_desktop.ui.theme import icon


def _action(w, name: str, text: str, slot, shortcut=None, *, checkable=False, icon_name: str | None = None) -> QAction:
    a = QAction(text, w)
    a.setObjectName(name)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    if checkable:
        a.setCheckable(True)
    if slot is not None:
        (a.toggled if checkable else a.triggered).connect(slot)
    if icon_name:
        a.setIcon(icon(icon_name))
    return a


@dataclass
class Actions:
    new_chat: QAction
    open_model: QAction
    models: QAction
    export: QAction
    import_: QAction
    dataset: QAction
    settings: QAction
    show_thoughts: QAction
    search: QAction
    focus_input: QAction
    stop: QAction
    regenerate: QAction
    shortcuts: QAction
    answer_now: QAction
    keep_thoughts: QAction
    drop_thoughts: QAction
    example_library: QAction
    serve: QAction


def build_menus(w) -> tuple[Actions, QComboBox]:
    """The window's menus and toolbar; returns its actions and the toolbar's model picker."""
    tr = w.tr
    a = Actions(
        new_chat=_action(w, "actionNewChat", tr("&New chat"), w.new_chat, QKeySequence.StandardKey.New,
                         icon_name="new-chat"),
        open_model=_action(w, "actionOpenModel", tr("&Open model file…"), w.models.choose_model_file,
                           QKeySequence.StandardKey.Open),
        models=_action(w, "actionModels", tr("&Models…"), lambda: w.models.open_models(), "Ctrl+M",
                       icon_name="models"),
        export=_action(w, "actionExport", tr("&Export…"), lambda: w.files.export_conversations(), "Ctrl+E"),
        import_=_action(w, "actionImport", tr("&Import…"), lambda: w.files.import_conversations()),
        dataset=_action(w, "actionDataset", tr("Export reasoning &dataset (thumbs-up answers)…"),
                        w.files.export_dataset),
        settings=_action(w, "actionSettings", tr("&Settings…"), w.open_settings, "Ctrl+,", icon_name="settings"),
        show_thoughts=_action(w, "actionShowThoughts", tr("Show &chain of thought"), None, "Ctrl+Shift+T",
                              checkable=True, icon_name="thought"),
        search=_action(w, "actionSearch", tr("&Search chats"), w.focus_search, QKeySequence.StandardKey.Find),
        focus_input=_action(w, "actionFocusInput", tr("&Focus the message box"), w.composer.input.setFocus,
                            "Ctrl+L"),
        stop=_action(w, "actionStop", tr("&Stop generating"), w.stop, "Ctrl+.", icon_name="stop"),
        regenerate=_action(w, "actionRegenerate", tr("&Regenerate the last answer"), w.regenerate_last, "Ctrl+R"),
        shortcuts=_action(w, "actionShortcuts", tr("&Keyboard shortcuts"), lambda: show_shortcuts(w), "F1"),
        answer_now=_action(w, "actionAnswerNow", tr("&Answer now (stop thinking)"), w.steering.answer_now,
                           "Ctrl+Return"),
        keep_thoughts=_action(w, "actionKeepAllThoughts", tr("&Keep all thoughts in context"),
                              w.steering.set_conversation_keep, checkable=True),
        drop_thoughts=_action(w, "actionDropThoughts", tr("&Drop thoughts from context"),
                              lambda: w.steering.set_conversation_keep(False)),
        example_library=_action(w, "actionExampleLibrary", tr("E&xample library…"), w.steering.open_example_library),
        serve=_action(w, "actionServe", tr("Se&rve the model to other programs (API)"), w.serve.toggle,
                      checkable=True),
    )
    a.answer_now.setEnabled(False)
    a.answer_now.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])  # and the keypad's
    quit_ = _action(w, "actionQuit", tr("&Quit"), w.close, QKeySequence.StandardKey.Quit)
    file_menu = w.menuBar().addMenu(tr("&File"))
    file_menu.addActions([a.new_chat, a.open_model, a.models])
    file_menu.addSeparator()
    file_menu.addActions([a.export, a.import_, a.dataset])
    file_menu.addSeparator()
    file_menu.addAction(a.serve)
    file_menu.addSeparator()
    file_menu.addActions([a.settings, quit_])
    view_menu = w.menuBar().addMenu(tr("&View"))
    view_menu.addActions([a.show_thoughts, a.search, a.focus_input])
    chat_menu = w.menuBar().addMenu(tr("&Chat"))
    chat_menu.addActions([a.stop, a.answer_now, a.regenerate])
    chat_menu.addSeparator()
    chat_menu.addActions([a.keep_thoughts, a.drop_thoughts, a.example_library])
    help_menu = w.menuBar().addMenu(tr("&Help"))
    help_menu.addAction(a.shortcuts)
    help_menu.addAction(_action(w, "actionScalingLab", tr("Scaling &lab…"), w.lab.open))
    help_menu.addAction(_action(w, "actionAbout", tr("&About Reasoner Desktop"), lambda: about(w)))

    bar = QToolBar(tr("Main toolbar"))
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setIconSize(QSize(18, 18))
    w.addToolBar(bar)
    bar.addAction(a.new_chat)
    picker = QComboBox()
    picker.setObjectName("modelPicker")
    picker.setToolTip(tr("The model that answers (Ctrl+M for all models)"))
    picker.setMinimumContentsLength(20)
    picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    picker.activated.connect(w.models.on_model_picked)
    bar.addWidget(picker)
    bar.addAction(a.models)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    bar.addAction(a.show_thoughts)
    bar.addAction(a.settings)
    return a, picker


def shortcut_rows(w) -> list[tuple[str, str]]:
    a = w.actions
    actions = [a.new_chat, a.search, a.focus_input, a.stop, a.answer_now, a.regenerate, a.show_thoughts, a.models, a.open_model,
               a.export, a.settings, a.shortcuts]
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


def about(w):
    from reasoner_desktop.ui.about_dialog import AboutDialog

    dialog = AboutDialog(w.library.data_dir, w)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
