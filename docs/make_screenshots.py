"""Save screenshots of the main window into docs/screenshots/ (run: `make screenshots`).

Drives the real window on the bundled model, offscreen, in a throwaway data folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from reasoner_desktop.app import build_main_window  # noqa: E402
from reasoner_desktop.services.chat import TurnOptions  # noqa: E402

OUT = Path(__file__).resolve().parent / "screenshots"
QUESTION = "Tom has 3 apples and buys 5 more. How many apples does he have now?"


def wait(app: QApplication, condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        window = build_main_window(Path(tmp))
        window.resize(1280, 760)
        window.show()
        wait(app, lambda: window.model_name is not None)
        window.turn_options = TurnOptions(max_tokens=220)
        window.input.setPlainText(QUESTION)
        window.send()
        wait(app, lambda: bool(window.streaming_id) and len(window.thought_pane.text.toPlainText()) > 150)
        window.grab().save(str(OUT / "streaming-thought.png"))
        wait(app, lambda: window.streaming_id is None)
        window.grab().save(str(OUT / "answer-with-thought.png"))
        window.action_show_thoughts.setChecked(False)
        window.grab().save(str(OUT / "pane-collapsed.png"))
        window.action_show_thoughts.setChecked(True)
        window.close()
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
