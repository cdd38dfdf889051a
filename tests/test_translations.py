"""Every user-visible string has a Simplified Chinese translation, and the shipped .qm is built."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

from zh_CN import EXTRA, NUMERUS, ZH  # noqa: E402


def test_every_tr_string_has_a_translation(tmp_path):
    ts = tmp_path / "check.ts"
    sources = sorted((ROOT / "reasoner_desktop" / "ui").glob("*.py")) + [ROOT / "reasoner_desktop" / "app.py"]
    subprocess.run([str(Path(sys.executable).parent / "pyside6-lupdate"), *map(str, sources), "-ts", str(ts)],
                   check=True, capture_output=True)
    found = {m.findtext("source") for m in ET.parse(ts).iter("message")}
    assert len(found) > 150
    missing = sorted(s for s in found | {s for v in EXTRA.values() for s in v} if s not in ZH and s not in NUMERUS)
    assert not missing, f"run `make translations` after adding these to packaging/zh_CN.py: {missing}"


def test_shipped_qm_translates_every_string():
    """The compiled .qm really translates: every message of the .ts, looked up in its context
    through Qt's QTranslator, gives the Chinese of packaging/zh_CN.py."""
    from PySide6.QtCore import QTranslator

    ts = ROOT / "resources" / "i18n" / "reasoner_desktop_zh_CN.ts"
    translator = QTranslator()
    assert translator.load(str(ts.with_suffix(".qm")))
    checked, wrong = 0, []
    for context in ET.parse(ts).iter("context"):
        name = context.findtext("name")
        for m in context.iter("message"):
            source = m.findtext("source")
            if m.get("numerus") == "yes":
                checked += 1
                for n in (1, 3):
                    got = translator.translate(name, source, None, n)
                    if got != NUMERUS[source][2]:  # the form; tr() puts the number in
                        wrong.append((name, source, got))
            elif source in ZH:
                checked += 1
                got = translator.translate(name, source)
                if got != ZH[source]:
                    wrong.append((name, source, got))
    stale = sorted(s for s in ZH if s not in {m.findtext("source") for m in ET.parse(ts).iter("message")})
    assert checked > 150 and not wrong, wrong[:5]
    assert not stale, f"resources/i18n is older than packaging/zh_CN.py; run `make translations`: {stale[:5]}"


def test_english_plurals():
    """"1 match", "2 matches": English plurals come from the English .qm, through Qt's %n."""
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(ROOT / "resources" / "i18n" / "reasoner_desktop_en.qm"))
    assert translator.translate("Sidebar", "%n match(es)", None, 1) == "%n match"  # tr() fills in the number
    assert translator.translate("Sidebar", "%n match(es)", None, 2) == "%n matches"
    assert translator.translate("ChatView", "Show %Ln earlier message(s)", None, 1) == "Show %Ln earlier message"
