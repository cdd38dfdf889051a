"""Build the shipped translations: `make translations`.

Runs pyside6-lupdate over the UI sources, adds the strings that reach tr() as data, fills in
packaging/zh_CN.py and compiles resources/i18n/reasoner_desktop_zh_CN.qm with pyside6-lrelease.
Fails, naming them, when a user-visible string has no translation.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

from zh_CN import ALIASES, EXTRA, NUMERUS, ZH  # noqa: E402

TS = ROOT / "resources" / "i18n" / "reasoner_desktop_zh_CN.ts"
QM = TS.with_suffix(".qm")
EN_TS = ROOT / "resources" / "i18n" / "reasoner_desktop_en.ts"  # English plurals only
BIN = Path(sys.executable).parent


def sources() -> list[str]:
    files = sorted((ROOT / "reasoner_desktop" / "ui").glob("*.py")) + [ROOT / "reasoner_desktop" / "app.py"]
    return [str(f.relative_to(ROOT)) for f in files]


def main() -> int:
    TS.parent.mkdir(parents=True, exist_ok=True)
    TS.unlink(missing_ok=True)
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources(), "-no-obsolete", "-ts", str(TS)], cwd=ROOT,
                   check=True, capture_output=True)
    tree = ET.parse(TS)
    root = tree.getroot()
    root.set("language", "zh_CN")
    contexts: dict[str, set[str]] = {}
    numerus: dict[str, set[str]] = {}  # context -> sources with a count
    for ctx in root.findall("context"):
        name = ALIASES.get(ctx.findtext("name") or "", ctx.findtext("name") or "")
        for m in ctx.iter("message"):
            (numerus if m.get("numerus") == "yes" else contexts).setdefault(name, set()).add(m.findtext("source"))
    for name, strings in EXTRA.items():
        contexts.setdefault(name, set()).update(strings)
    for ctx in list(root):
        if ctx.tag == "context":
            root.remove(ctx)
    missing = sorted({s for strings in contexts.values() for s in strings if s not in ZH}
                     | {s for strings in numerus.values() for s in strings if s not in NUMERUS})
    if missing:
        print("No zh_CN translation for:\n  " + "\n  ".join(map(repr, missing)), file=sys.stderr)
        return 1
    for name in sorted(set(contexts) | set(numerus)):
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = name
        for source in sorted(contexts.get(name, ())):
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = source
            ET.SubElement(msg, "translation").text = ZH[source]
        for source in sorted(numerus.get(name, ())):
            _numerus_message(ctx, source, [NUMERUS[source][2]])
    _write(tree, TS, QM)
    english = ET.Element("TS", version="2.1", language="en")
    for name in sorted(numerus):
        ctx = ET.SubElement(english, "context")
        ET.SubElement(ctx, "name").text = name
        for source in sorted(numerus[name]):
            _numerus_message(ctx, source, list(NUMERUS[source][:2]))
    _write(ET.ElementTree(english), EN_TS, EN_TS.with_suffix(".qm"))
    total = sum(len(s) for s in contexts.values()) + sum(len(s) for s in numerus.values())
    print(f"{TS.relative_to(ROOT)}: {total} strings in {len(contexts)} contexts; {QM.relative_to(ROOT)} written")
    return 0


def _numerus_message(ctx, source: str, forms: list[str]) -> None:
    msg = ET.SubElement(ctx, "message", numerus="yes")
    ET.SubElement(msg, "source").text = source
    translation = ET.SubElement(msg, "translation")
    for form in forms:
        ET.SubElement(translation, "numerusform").text = form


def _write(tree, ts: Path, qm: Path) -> None:
    ET.indent(tree)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=ROOT, check=True,
                   capture_output=True)


if __name__ == "__main__":
    raise SystemExit(main())
