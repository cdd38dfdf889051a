"""Save screenshots of the main states into docs/screenshots/ (run: `make screenshots`).

Drives the real window on the bundled model, offscreen, in throwaway data folders:
light, dark, Simplified Chinese, a thought streaming, the pane collapsed, the Models dialog.
And exports as a reader sees them: a conversation exported to HTML, rendered to a PNG by headless
Chromium where it is installed (else by Qt's rich text, which knows less CSS), and its PDF export's
first page through pdftoppm (Debian's poppler-utils; `make sysdeps` installs it).
`--exports` makes only the export shots (no model needed); `--paths` only the parallel paths and the
scaling lab; `--steering` only the steering shots (a thought with its budget bar and Answer now, the
telemetry after Answer now, Think longer's new branch).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from reasoner_desktop.app import build_main_window  # noqa: E402
from reasoner_desktop.domain.events import GenerationStats  # noqa: E402
from reasoner_desktop.domain.messages import MessageStatus, ThinkingMode  # noqa: E402
from reasoner_desktop.export.options import ExportFormat, ThinkingExport  # noqa: E402
from reasoner_desktop.inference.presets import Sampling  # noqa: E402
from reasoner_desktop.services.chat import TurnOptions  # noqa: E402
from reasoner_desktop.services.exporting import export_conversations  # noqa: E402
from reasoner_desktop.storage.repository import open_history  # noqa: E402
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
        time.sleep(0.005)  # processEvents returns at once when idle: without a pause this loop takes a core


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def window(app, data: Path, theme: str, language: str, *, welcomed: bool = True):
    s = QSettings(str(data / "settings.ini"), QSettings.Format.IniFormat)
    s.setValue("ui/theme", theme)
    s.setValue("ui/language", language)
    s.setValue("app/welcomed", welcomed)
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


# -- exports ---------------------------------------------------------------------------------

EXPORT_QUESTION = "Solve x² − 5x + 6 = 0, check it in Python, and compare the methods."
EXPORT_THOUGHT = """The equation is **quadratic**: try to factor it first.

- Two numbers with product 6 and sum 5: 2 and 3.
- So $(x-2)(x-3) = 0$.

Then check with the formula \\(x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}\\)."""
EXPORT_ANSWER = """# Solving x² − 5x + 6 = 0

The roots are **x = 2** and **x = 3**: the product of the roots is $c/a = 6$ and it’s easy to check.

## Method

1. Factor: $(x-2)(x-3) = 0$.
2. Or use the quadratic formula:

$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a} = \\frac{5 \\pm 1}{2}$$

| method | steps | works for every quadratic? |
|---|:-:|---|
| factoring | 2 | no |
| formula | 3 | yes |

```python
import math

def roots(a: float, b: float, c: float) -> tuple[float, float]:
    d = math.sqrt(b * b - 4 * a * c)  # the discriminant's root
    return (-b - d) / (2 * a), (-b + d) / (2 * a)

print(roots(1, -5, 6))  # (2.0, 3.0)
```

> Model output stays inert: <script>alert("hi")</script> and <img src="http://example.com/x.png"> are shown as text.

中文也可以：两个根分别是 2 和 3。"""


def export_sample(folder: Path):
    """A conversation with everything an export must show, in a throwaway history."""
    repo = open_history(folder / "history.db")
    cid = repo.create_conversation("Quadratic equations")
    uid = repo.add_user_message(cid, EXPORT_QUESTION)
    aid = repo.start_assistant_message(cid, uid, "Qwen3-4B-Q4_K_M.gguf")
    repo.finish_message(aid, EXPORT_ANSWER, EXPORT_THOUGHT, MessageStatus.COMPLETE,
                        GenerationStats(thinking_seconds=4.2, thinking_tokens=96, answer_tokens=180))
    return repo, cid


def chromium() -> str | None:
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def html_to_png(page: Path, png: Path) -> None:
    browser = chromium()
    if browser:  # what a reader sees
        sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # root has none
        try:
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run([browser, "--headless", *sandbox, "--disable-gpu", "--hide-scrollbars",
                                f"--user-data-dir={profile}", "--force-device-scale-factor=1",
                                "--window-size=960,1500", f"--screenshot={png}", page.as_uri()],
                               check=True, capture_output=True, timeout=120)
            trim_bottom(png)
            print(f"{png.name}: the HTML export through {Path(browser).name} (headless)")
            return
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"{png.name}: {Path(browser).name} failed ({exc}); using Qt's rich text instead")
    from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument

    doc = QTextDocument()  # the page loads nothing: no image, font or style sheet to fetch
    doc.setDocumentMargin(32)
    doc.setHtml(page.read_text(encoding="utf-8"))
    doc.setTextWidth(960)
    img = QImage(960, int(doc.size().height()), QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    painter = QPainter(img)
    doc.drawContents(painter)
    painter.end()
    img.save(str(png))
    print(f"{png.name}: the HTML export through Qt's rich text (install chromium for a browser's view)")


def trim_bottom(png: Path, margin: int = 32) -> None:
    """Cut the empty page below the content (the browser's window is taller than the page)."""
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    background = img.pixel(img.width() - 1, img.height() - 1)
    bottom = img.height() - 1
    while bottom > 0 and all(img.pixel(x, bottom) == background for x in range(0, img.width(), 3)):
        bottom -= 1
    img.copy(0, 0, img.width(), min(img.height(), bottom + margin)).save(str(png))


def pdf_to_png(pdf: Path, png: Path) -> None:
    if not shutil.which("pdftoppm"):
        print(f"{png.name}: skipped, pdftoppm is missing (Debian: sudo apt install poppler-utils)")
        return
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(png.with_suffix(""))], check=True, timeout=120)
    print(f"{png.name}: the PDF export's first page through pdftoppm")


def export_shots() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        repo, cid = export_sample(folder)
        (page,) = export_conversations(repo, [cid], ExportFormat.HTML, ThinkingExport.INCLUDE, folder / "chat.html")
        html_to_png(page, OUT / "export-html.png")
        (pdf,) = export_conversations(repo, [cid], ExportFormat.PDF, ThinkingExport.INCLUDE, folder / "chat.pdf")
        pdf_to_png(pdf, OUT / "export-pdf.png")
        repo.engine.dispose()


PATHS_QUESTION = "What is 12 + 9? End with: The answer is <number>."


def paths_shots(app) -> None:
    """Five paths streaming (a tab each in the pane, the leader in the answer), the vote after, and the
    scaling lab's chart."""
    from reasoner_desktop.services.evaluation import EvalConfig

    with tempfile.TemporaryDirectory() as tmp:
        w = window(app, Path(tmp), "light", "en")
        w.composer.samples.setValue(5)
        w.turn_options = TurnOptions(max_tokens=120, max_thinking_tokens=80, mode=ThinkingMode.PROMPTED,
                                     sampling=Sampling(temperature=0.8, top_k=40, top_p=0.95, min_p=0.05, seed=4))
        w.input.setPlainText(PATHS_QUESTION)
        w.send()
        wait(app, lambda: bool(w.streaming_id) and w.thought_pane.tabs.isVisible()
             and len(w.thought_pane.text.toPlainText()) > 120)
        w.grab().save(str(OUT / "paths-streaming.png"))
        wait(app, lambda: w.streaming_id is None)
        settle(app)
        w.pane.show_message_thought(w.last_result.message_id)
        settle(app)
        w.grab().save(str(OUT / "paths-vote.png"))
        lab = w.lab.open()
        lab.n.setValue(6)
        lab.samples.setText("1,4,8")
        lab.budgets.setText("0,48")
        lab.run_button.click()
        wait(app, lambda: not w.lab.running, timeout=600)
        settle(app)
        lab.grab().save(str(OUT / "scaling-lab.png"))
        lab.close()
        w.close()


def steering_shots(app) -> None:
    """A thought streaming with its budget bar and Answer now (composer and pane), the answer after Answer
    now with its telemetry, and Think longer's new branch."""
    with tempfile.TemporaryDirectory() as tmp:
        w = window(app, Path(tmp), "light", "en")
        w.turn_options = TurnOptions(max_tokens=300, max_thinking_tokens=400, mode=ThinkingMode.PROMPTED,
                                     budget_message="Time is up; answering now.",
                                     sampling=Sampling(temperature=0.7, top_p=0.9, top_k=40, seed=7))
        w.input.setPlainText("Explain step by step why 17 is a prime number.")
        w.send()
        wait(app, lambda: w.stream.live is not None and w.stream.live.tokens >= 60
             and w.thought_pane.budget_bar.isVisible())
        settle(app, 0.1)
        w.grab().save(str(OUT / "thinking-budget-answer-now.png"))
        w.steering.answer_now()
        wait(app, lambda: w.streaming_id is None)
        settle(app)
        w.grab().save(str(OUT / "answered-now.png"))
        first = w.last_result.message_id
        w.steering.think_longer(first, 96)
        wait(app, lambda: w.streaming_id is None and w.last_result.message_id != first)
        settle(app)
        w.pane.show_message_thought(w.last_result.message_id)
        settle(app)
        w.grab().save(str(OUT / "think-longer.png"))
        w.close()


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if "--paths" in sys.argv:
        paths_shots(app)
        return 0
    if "--steering" in sys.argv:
        steering_shots(app)
        return 0
    export_shots()
    if "--exports" in sys.argv:
        return 0
    paths_shots(app)
    steering_shots(app)
    for theme in ("light", "dark"):
        with tempfile.TemporaryDirectory() as tmp:
            w = window(app, Path(tmp), theme, "en")
            ask(app, w, QUESTIONS["en"][0], shot_streaming=OUT / "streaming-thought.png" if theme == "light" else None)
            ask(app, w, QUESTIONS["en"][1])
            w.grab().save(str(OUT / f"main-{theme}.png"))
            if theme == "light":
                # The theme switched while the chat is open (Settings → Appearance → Dark, then OK).
                w.app_settings.set("ui/theme", "dark")
                w.appearanceChanged.emit()
                settle(app)
                w.grab().save(str(OUT / "theme-switched-live.png"))
                w.app_settings.set("ui/theme", "light")
                w.appearanceChanged.emit()
                settle(app)
                w.resize(640, 760)  # a narrow window: the pane folds away
                settle(app)
                w.resize(640, 760)
                settle(app)
                w.grab().save(str(OUT / "narrow.png"))
                w.resize(1320, 800)
                settle(app)
                w.actions.show_thoughts.setChecked(False)
                settle(app)
                w.grab().save(str(OUT / "pane-collapsed.png"))
                w.actions.show_thoughts.setChecked(True)
                d = w.models.open_models(1)
                settle(app)
                d.grab().save(str(OUT / "models-dialog.png"))
                d.close()
            w.close()
    with tempfile.TemporaryDirectory() as tmp:  # the first run: the welcome inside the empty chat
        w = window(app, Path(tmp), "light", "en", welcomed=False)
        settle(app)
        w.grab().save(str(OUT / "welcome.png"))
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
