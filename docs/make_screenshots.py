"""Save screenshots of the main states into docs/screenshots/ (run: `make screenshots`).

Drives the real window on the bundled model, offscreen, in throwaway data folders:
light, dark, Simplified Chinese, a thought streaming, the pane collapsed, the Models dialog.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from reasoner_desktop.app import build_main_window  # noqa: E402
from reasoner_desktop.domain.messages import ThinkingMode  # noqa: E402
from reasoner_desktop.inference.presets import Sampling  # noqa: E402
from reasoner_desktop.services.chat import TurnOptions  # noqa: E402
from reasoner_desktop.ui.i18n import install_language  # noqa: E402
from reasoner_desktop.ui.theme import apply_theme  # noqa: E402

OUT = Path(__file__).resolve().parent / "screenshots"
QUESTIONS = {
    "en": ["Tom has 3 apples and buys 5 more. How many apples does he have now?",
           "Write a Python function that adds two numbers."],
    "zh_CN": ["小明有3个苹果，又买了5个。他现在有几个苹果？"],
}
OPTIONS = TurnOptions(max_tokens=260, sampling=Sampling(temperature=0.0, top_k=1), mode=ThinkingMode.PROMPTED)


def wait(app: QApplication, condition, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def window(app, data: Path, theme: str, language: str):
    s = QSettings(str(data / "settings.ini"), QSettings.Format.IniFormat)
    s.setValue("ui/theme", theme)
    s.setValue("ui/language", language)
    s.setValue("app/welcomed", True)
    s.sync()
    w = build_main_window(data)
    w.resize(1320, 800)
    w.show()
    wait(app, lambda: w.model_name is not None)
    w.turn_options = OPTIONS
    return w


def ask(app, w, text: str, *, shot_streaming: Path | None = None) -> None:
    w.input.setPlainText(text)
    w.send()
    if shot_streaming is not None:
        wait(app, lambda: bool(w.streaming_id) and len(w.thought_pane.text.toPlainText()) > 160)
        w.grab().save(str(shot_streaming))
    wait(app, lambda: w.streaming_id is None)
    settle(app)


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    for theme in ("light", "dark"):
        with tempfile.TemporaryDirectory() as tmp:
            w = window(app, Path(tmp), theme, "en")
            ask(app, w, QUESTIONS["en"][0], shot_streaming=OUT / "streaming-thought.png" if theme == "light" else None)
            ask(app, w, QUESTIONS["en"][1])
            w.grab().save(str(OUT / f"main-{theme}.png"))
            if theme == "light":
                w.actions.show_thoughts.setChecked(False)
                settle(app)
                w.grab().save(str(OUT / "pane-collapsed.png"))
                w.actions.show_thoughts.setChecked(True)
                d = w.models.open_models(1)
                settle(app)
                d.grab().save(str(OUT / "models-dialog.png"))
                d.close()
            w.close()
    with tempfile.TemporaryDirectory() as tmp:
        w = window(app, Path(tmp), "light", "zh_CN")
        ask(app, w, QUESTIONS["zh_CN"][0])
        w.grab().save(str(OUT / "main-zh_CN.png"))
        w.close()
    install_language(app, "en")
    apply_theme(app, "light")
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
