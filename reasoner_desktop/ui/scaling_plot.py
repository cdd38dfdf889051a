"""The scaling lab's chart, drawn with Qt's painter: accuracy against compute (tokens per problem), one
line for more paths, one for longer thinking, and the paths' coverage (any path right, pass@k) dashed."""

from __future__ import annotations

import math
import os
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen

from reasoner_desktop.services.evaluation import EvalCell, EvalReport

SERIES_COLOURS = ("#0b57d0", "#d9480f", "#2b8a3e")


def series(report: EvalReport) -> list[tuple[str, list[tuple[EvalCell, str]], bool]]:
    """(name, [(cell, point label)], dashed) for each line of the chart."""
    cfg = report.config
    budget = cfg.max_thinking[0]
    k = cfg.samples[0]
    paths = [(c, f"{c.samples} path{'s' if c.samples > 1 else ''}") for c in (report.cell(s, budget) for s in cfg.samples) if c and c.n]
    longer = [(c, f"think {c.max_thinking}" if c.max_thinking else "no thinking") for c in (report.cell(k, b) for b in cfg.max_thinking) if c and c.n]
    thinking = f"thinking {budget}" if budget else "no thinking"
    out = []
    if len(paths) > 1:
        out.append((f"More paths ({thinking}): vote accuracy", paths, False))
        out.append((f"More paths ({thinking}): any path right (pass@k)",
                    [(c, "") for c, _ in paths], True))
    if len(longer) > 1:
        out.append((f"Longer thinking ({k} path{'s' if k > 1 else ''}): accuracy", longer, False))
    return out


def render_plot(report: EvalReport, width: int = 900, height: int = 560, *, dark: bool = False) -> QImage:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    fg, bg, grid = (QColor("#f5f5f7"), QColor("#1c1c1e"), QColor("#3a3a3c")) if dark else (
        QColor("#1d1d1f"), QColor("#ffffff"), QColor("#e5e5ea"))
    image.fill(bg)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(13)
    p.setFont(font)
    left, top, right, bottom = 64, 48, 72, 110  # room on the right for the last point's label
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    lines = series(report)
    cells = [c for _, pts, _ in lines for c, _ in pts] or report.cells
    tokens = [max(1.0, c.mean_tokens) for c in cells] or [1.0]
    lo, hi = min(tokens), max(tokens)
    log = hi / lo > 8
    if log:
        lo, hi = 2 ** math.floor(math.log2(lo)), 2 ** math.ceil(math.log2(hi))
    elif hi - lo < 1:
        lo, hi = lo - 1, hi + 1

    def x_of(t: float) -> float:
        t = max(1.0, t)
        f = (math.log2(t) - math.log2(lo)) / (math.log2(hi) - math.log2(lo)) if log else (t - lo) / (hi - lo)
        return plot.left() + f * plot.width()

    def y_of(v: float) -> float:
        return plot.bottom() - v * plot.height()

    title = f"Scaling lab · {report.model} · {report.config.task} · {report.config.n} problems"
    p.setPen(fg)
    bold = QFont(font)
    bold.setBold(True)
    bold.setPixelSize(15)
    p.setFont(bold)
    p.drawText(QRectF(left, 10, width - left - right, 28), Qt.AlignmentFlag.AlignLeft, title)
    p.setFont(font)
    for i in range(0, 11, 2):  # accuracy grid
        y = y_of(i / 10)
        p.setPen(QPen(grid, 1))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(fg)
        p.drawText(QRectF(0, y - 9, left - 8, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                   f"{i * 10}%")
    ticks = [lo * 2 ** i for i in range(int(math.log2(hi / lo)) + 1)] if log else [lo + (hi - lo) * i / 4 for i in range(5)]
    for t in ticks:
        x = x_of(t)
        p.setPen(QPen(grid, 1))
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        p.setPen(fg)
        p.drawText(QRectF(x - 40, plot.bottom() + 4, 80, 18), Qt.AlignmentFlag.AlignHCenter, f"{t:,.0f}")
    p.drawText(QRectF(plot.left(), plot.bottom() + 22, plot.width(), 18), Qt.AlignmentFlag.AlignHCenter,
               "tokens per problem (all paths)" + (", log scale" if log else ""))
    for n, (name, points, dashed) in enumerate(lines):
        colour = QColor(SERIES_COLOURS[1] if name.startswith("Longer") else SERIES_COLOURS[0])
        pen = QPen(colour, 2.5)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        pts = [QPointF(x_of(c.mean_tokens), y_of(c.coverage if dashed else c.accuracy)) for c, _ in points]
        for a, b in zip(pts, pts[1:]):
            p.drawLine(a, b)
        for pt, (c, label) in zip(pts, points):
            p.setBrush(colour)
            p.drawEllipse(pt, 4, 4)
            if label:  # paths above their points, budgets below (the lines start at the same cell)
                dy = 4 if name.startswith("Longer") else -20
                p.drawText(QRectF(pt.x() + 6, pt.y() + dy, 80, 16), Qt.AlignmentFlag.AlignLeft, label)
        ly = height - bottom + 46 + 18 * n
        p.drawLine(QPointF(left, ly), QPointF(left + 28, ly))
        p.setPen(fg)
        p.drawText(QRectF(left + 36, ly - 9, width - left - 60, 18), Qt.AlignmentFlag.AlignVCenter, name)
    if not lines:
        p.setPen(fg)
        p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "Give two or more paths or budgets to draw a line.")
    p.end()
    return image


def save_plot(report: EvalReport, path: str | os.PathLike) -> Path:
    """Write the chart as a PNG (from the command line too: Qt draws it offscreen)."""
    if QGuiApplication.instance() is None:  # the command line: no window, no display needed
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (fonts need an application)
    out = Path(path)
    if not render_plot(report).save(str(out), "PNG"):
        raise OSError(f"Could not write the chart to {out}.")
    return out
