"""File → Serve the model to other programs: the window's loaded model answers an OpenAI client, in turn
with the window's own questions, and the status bar shows the address."""

from __future__ import annotations

import socket

from openai import OpenAI

from tests.test_gui import ask

TIMEOUT = 60_000


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_serve_toggle_shares_the_windows_model(open_window, data_dir, qtbot):
    w = open_window(data_dir)
    w.settings.setValue("serve/port", free_port())
    with qtbot.waitSignal(w.serve.serving, timeout=TIMEOUT) as started:
        w.actions.serve.trigger()
    url = started.args[0]
    assert url.startswith("http://127.0.0.1:") and w.serve.label.isVisible() and url in w.serve.label.text()
    client = OpenAI(base_url=url, api_key="none", max_retries=0, timeout=120)
    assert [m.id for m in client.models.list().data] == [w.model_name]
    r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "What is 2 + 3?"}],
                                       max_completion_tokens=80, temperature=0, seed=1)
    assert r.choices[0].message.content.strip() and r.choices[0].message.model_extra["reasoning_content"]
    # The window still answers its own questions on the same engine.
    ask(qtbot, w, "Name a colour.")
    qtbot.waitUntil(lambda: w.last_result is not None, timeout=TIMEOUT)
    assert w.last_result.answer.strip()
    with qtbot.waitSignal(w.serve.serving, timeout=TIMEOUT) as stopped:
        w.actions.serve.trigger()
    assert stopped.args == [""] and not w.serve.label.isVisible() and not w.actions.serve.isChecked()
