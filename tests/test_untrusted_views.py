"""Untrusted text in the real widgets (offscreen): message bodies load no image of any kind, and
sidebar tooltips show titles and search snippets as typed, never as HTML."""

import base64

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl
from PySide6.QtGui import QColor, QImage, Qt, QTextDocument  # QtGui.Qt has mightBeRichText

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.storage.repository import open_history
from reasoner_desktop.ui.message_widget import MessageView, MessageWidget, SafeBrowser
from reasoner_desktop.ui.sidebar import Sidebar
from tests.conftest import conversation_items


@pytest.fixture
def red_png(tmp_path):
    """A 64×48 red picture as a local file and as a data: URI."""
    img = QImage(64, 48, QImage.Format.Format_RGB32)
    img.fill(QColor("#ff0000"))
    path = tmp_path / "red.png"
    assert img.save(str(path))
    raw = QByteArray()
    buf = QBuffer(raw)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return path.as_uri(), "data:image/png;base64," + base64.b64encode(bytes(raw)).decode()


def painted_red(widget) -> bool:
    img = widget.grab().toImage()
    return any(img.pixelColor(x, y).red() > 200 and img.pixelColor(x, y).green() < 60
               for x in range(0, img.width(), 2) for y in range(0, img.height(), 2))


def test_a_message_body_loads_no_image_even_if_html_slips_through(qtbot, red_png):
    file_uri, data_uri = red_png
    plain = SafeBrowser()
    qtbot.addWidget(plain)
    plain.resize(400, 200)
    plain.show()
    plain.setHtml("<p>before after</p>")
    height_without_images = plain.document().size().height()
    for src in (data_uri, file_uri, file_uri.removeprefix("file://")):
        b = SafeBrowser()
        qtbot.addWidget(b)
        b.resize(400, 200)
        b.show()
        b.setHtml(f'<p>before <img src="{src}" width="64" height="48"> after</p>')  # as if the renderer slipped
        qtbot.waitUntil(lambda b=b: b.requested != [])  # the document asked for it ...
        resource = b.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(src))
        assert isinstance(resource, QImage) and resource.isNull(), src  # ... and got nothing
        assert not painted_red(b), src
        assert b.document().size().height() <= height_without_images + 48 and b.requested[0] == src


def test_images_in_an_answer_are_named_never_loaded(qtbot, red_png):
    file_uri, data_uri = red_png
    answer = (f"A picture ![red]({data_uri}) and ![local]({file_uri}) and "
              f'<img src="{file_uri}"> and <img src="{data_uri}">')
    w = MessageWidget(MessageView(1, Role.ASSISTANT, content=answer, status=MessageStatus.COMPLETE))
    qtbot.addWidget(w)
    w.resize(600, 300)
    w.show()
    qtbot.waitExposed(w)
    text = w.body.toPlainText()
    assert "[image not loaded: red · data:image/png" in text
    assert f"![local]({file_uri})" in text  # Markdown refuses file: links: shown as typed
    assert f'<img src="{file_uri}">' in text  # raw HTML is shown as text
    assert w.body.requested == [] and "<img" not in w.body.toHtml() and not painted_red(w)


def shown_as(tip: str) -> str:
    """What a tooltip shows: Qt renders it as rich text when Qt.mightBeRichText says it may be."""
    if Qt.mightBeRichText(tip):
        doc = QTextDocument()
        doc.setHtml(tip)
        return doc.toPlainText().replace("\u2028", "\n")  # <br> is a line separator
    return tip


def test_sidebar_tooltips_show_titles_and_snippets_as_typed(qtbot, tmp_path):
    repo = open_history(tmp_path / "h.db")
    title = '<b>Bold</b> <img src="file:///etc/hosts"> & <i>co</i>'
    cid = repo.create_conversation(title)
    uid = repo.add_user_message(cid, "q")
    aid = repo.start_assistant_message(cid, uid, "m")
    repo.finish_message(aid, "The <b>magma</b> rises <img src=x onerror=alert(1)>", "", MessageStatus.COMPLETE)
    side = Sidebar(repo)
    qtbot.addWidget(side)
    side.reload()
    (item,) = conversation_items(side.list)
    assert shown_as(item.toolTip()).startswith(title + "\n")
    side.search_box.setText("magma")
    side.reload()
    (hit,) = conversation_items(side.list)
    shown = shown_as(hit.toolTip())
    assert "<b>" in shown and "<img src=x onerror=alert(1)>" in shown and "magma" in shown
    repo.engine.dispose()


def test_an_answer_with_math_ending_in_a_backslash_streams_and_opens(qtbot):
    """It used to raise inside the renderer: the conversation opened without it and a streaming
    answer froze at that point."""
    answer = "First:\n\nso \\(a \\\\) and $$x \\$$\n\nthen **more** text."
    view = MessageView(1, Role.ASSISTANT, status=MessageStatus.STREAMING)
    w = MessageWidget(view)
    qtbot.addWidget(w)
    w.show()
    for i in range(1, len(answer) + 1):
        view.content = answer[:i]
        w.refresh(streaming_seconds=1)
    assert w.body.toPlainText().rstrip().endswith("then **more** text.")  # the tail, still plain
    assert "so a \\ and" in w.body.toPlainText()  # the block with the math, rendered
    view.status = MessageStatus.COMPLETE
    w.refresh()
    assert w.body.toPlainText().rstrip().endswith("then more text.")
