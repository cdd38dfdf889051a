"""Export writers, importers and their safety, on real SQLite files."""

import json
import re
import unicodedata
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reasoner_desktop.domain.events import GenerationStats
from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export import documents, json_format
from reasoner_desktop.export.files import safe_filename
from reasoner_desktop.export.options import ExportError, ExportFormat, ImportFormatError, ThinkingExport
from reasoner_desktop.services.exporting import export_conversations, export_dataset, import_file
from reasoner_desktop.storage.repository import open_history

FIXTURES = Path(__file__).parent / "fixtures"
THOUGHT = "用户想反转字符串。The secret-thought-marker is here."
ANSWER = "可以使用切片：\n\n```python\nprint(s[::-1])\n```\n\n<script>alert(1)</script> <img src=\"http://evil.example/x.png\">"


@pytest.fixture
def repo(tmp_path):
    return open_history(tmp_path / "h.db")


@pytest.fixture
def conv_id(repo):
    cid = repo.create_conversation()
    uid = repo.add_user_message(cid, "如何反转字符串？")
    aid = repo.start_assistant_message(cid, uid, "Qwen3.gguf")
    repo.finish_message(aid, ANSWER, THOUGHT, MessageStatus.COMPLETE,
                        GenerationStats(thinking_seconds=3.4, thinking_tokens=57, answer_tokens=40))
    return cid


def export_text(repo, cid, fmt, thinking, tmp_path) -> str:
    out = tmp_path / f"out.{fmt}"
    export_conversations(repo, [cid], ExportFormat(fmt), ThinkingExport(thinking), out, force=True)
    if fmt == "pdf":
        import pypdf

        text = " ".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
        # Qt's font subsets map a few CJK glyphs to their Kangxi-radical twins (⽤ for 用); NFKC folds them back.
        return " ".join(unicodedata.normalize("NFKC", text).split())
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "json", "html", "pdf", "txt"])
def test_omit_leaves_no_thought_text(repo, conv_id, tmp_path, fmt):
    assert "secret-thought-marker" not in export_text(repo, conv_id, fmt, "omit", tmp_path)
    assert "secret-thought-marker" in export_text(repo, conv_id, fmt, "include", tmp_path)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_collapse_folds_the_thought_in_details(repo, conv_id, tmp_path, fmt):
    text = export_text(repo, conv_id, fmt, "collapse", tmp_path)
    assert re.search(r"<details[^>]*><summary>Thought for 3\.4 s · 57 tokens</summary>", text)
    assert "secret-thought-marker" in text


def test_pdf_holds_the_answer_including_chinese(repo, conv_id, tmp_path):
    text = export_text(repo, conv_id, "pdf", "include", tmp_path)
    assert "可以使用切片" in text.replace(" ", "") and "print(s[::-1])" in text.replace(" ", "")
    assert "用户想反转字符串" in text.replace(" ", "")


def test_html_has_nothing_live_from_model_text(repo, conv_id, tmp_path):
    text = export_text(repo, conv_id, "html", "include", tmp_path)
    assert "<script" not in text.lower() and "&lt;script&gt;" in text
    assert not re.search(r"<img\b", text, re.I) and "&lt;img src=&quot;http://evil.example" in text
    # even a slipped tag could load nothing, and no relative link or form could go anywhere
    assert "default-src 'none'" in text and "base-uri 'none'" in text and "form-action 'none'" in text
    assert '<span class="nb">print</span>' in text  # the code block, highlighted
    assert "prefers-color-scheme: dark" in text and "@media print" in text


RICH_THOUGHT = "First **factor** it:\n\n- product 6\n- sum 5\n\nso $(x-2)(x-3)$."
RICH_ANSWER = """# Roots of the quadratic

The answer is **x = 2** or **x = 3**, and it’s easy to check with $x^2$ and \\(\\sqrt{4}\\).

$$x = \\frac{5 \\pm 1}{2}$$

| method | steps |
|---|---|
| factoring | 2 |
| formula | 3 |

```python
def add(a, b):
    return a + b
```

<script>alert(1)</script> <img src="http://evil.example/x.png"> [run](javascript:alert(1))"""


@pytest.fixture
def rich_id(repo):
    cid = repo.create_conversation("Quadratic")
    uid = repo.add_user_message(cid, "Solve **x² − 5x + 6 = 0**")  # a question is shown as typed
    aid = repo.start_assistant_message(cid, uid, "Qwen3.gguf")
    repo.finish_message(aid, RICH_ANSWER, RICH_THOUGHT, MessageStatus.COMPLETE,
                        GenerationStats(thinking_seconds=2.0, thinking_tokens=30, answer_tokens=90))
    return cid


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "details", "summary"}


@pytest.mark.parametrize("thinking", ["include", "collapse"])
def test_html_export_renders_markdown_like_the_window(repo, rich_id, tmp_path, thinking):
    from tests.test_rich_text_properties import audit

    text = export_text(repo, rich_id, "html", thinking, tmp_path)
    body = text[text.index("<body>"):]
    assert "<h1>Roots of the quadratic</h1>" in body and "<strong>x = 2</strong>" in body
    assert "<table>" in body and "<th>method</th>" in body and "<td>factoring</td>" in body
    assert '<span class="k">def</span><span class="w"> </span><span class="nf">add</span>' in body  # Pygments' classes ...
    assert ".hl .k {" in text and ".hl .nf {" in text  # ... and their colours in the page
    assert '<span class="math">x²</span>' in body and '<span class="math">√4</span>' in body
    assert '<div class="math display">x = (5 ± 1)⁄2</div>' in body
    answer = body[body.index("Roots of the quadratic"):]
    for raw in ("**", "|---|", "$$", "```", "\\frac", "# Roots"):
        assert raw not in answer, raw
    assert "Solve **x² − 5x + 6 = 0**" in body  # the question as typed
    thought = body[body.index('class="thought"'):body.index("Roots of the quadratic")]
    assert "<strong>factor</strong>" in thought and "<li>product 6</li>" in thought and "(x-2)(x-3)" in thought
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "[run](javascript:alert(1))" in body
    assert audit(body, extra_tags=PAGE_TAGS) == []
    assert re.search(r'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                     r"style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">", text)


def test_html_font_stack_puts_latin_fonts_before_cjk(repo, rich_id, tmp_path):
    """A browser draws each character with the first listed font that has it: a CJK font listed
    before any Latin font the system has draws ’ and “ ” full-width."""
    text = export_text(repo, rich_id, "html", "omit", tmp_path)
    stack = re.search(r"body \{ font: 16px/1\.55 ([^;]+);", text).group(1)
    families = [f.strip().strip('"') for f in stack.split(",")]
    latin = ["-apple-system", "Segoe UI", "Arial", "Helvetica Neue", "DejaVu Sans", "Liberation Sans"]
    cjk = [f for f in families if re.search(r"CJK|YaHei|PingFang|Hiragino|Source Han", f)]
    assert cjk and all(f in families for f in latin), families
    assert max(families.index(f) for f in latin) < min(families.index(f) for f in cjk), families


def test_pdf_export_renders_markdown_like_the_window(repo, rich_id, tmp_path):
    text = export_text(repo, rich_id, "pdf", "include", tmp_path)
    for shown in ("Roots of the quadratic", "The answer is x = 2 or x = 3", "method steps", "factoring 2",
                  "formula 3", "with x² and √4", "x = (5 ± 1)⁄2", "def add", "return a + b", "First factor it:"):
        assert unicodedata.normalize("NFKC", shown) in text, shown  # as export_text folds the PDF's text
    answer = text[text.index("Roots of the quadratic"):]
    for raw in ("**", "|---|", "| ---", "$$", "```", "\\frac", "# Roots", "\\(", "Copy"):
        assert raw not in answer, raw
    assert "<script>alert(1)</script>" in text  # model HTML: shown, as text


def test_pdf_loads_no_image_even_if_html_slips_through(repo, rich_id, tmp_path, monkeypatch):
    import pypdf
    from PySide6.QtGui import QColor, QImage

    from reasoner_desktop.export import pdf

    picture = QImage(64, 48, QImage.Format.Format_RGB32)
    picture.fill(QColor("#ff0000"))
    picture.save(str(tmp_path / "red.png"))
    slipped = f'<p>before <img src="{(tmp_path / "red.png").as_uri()}"> <img src="{tmp_path / "red.png"}"> after</p>'
    monkeypatch.setattr(pdf, "to_qt_html", lambda convs, thinking: slipped)
    out = tmp_path / "out.pdf"
    export_conversations(repo, [rich_id], ExportFormat.PDF, ThinkingExport.INCLUDE, out)
    page = pypdf.PdfReader(out).pages[0]
    xobjects = page["/Resources"].get_object().get("/XObject", {})
    images = [name for name, obj in xobjects.items() if obj.get_object().get("/Subtype") == "/Image"]
    assert "before" in page.extract_text() and images == []


def test_pdf_draws_latin_punctuation_with_a_latin_font(repo, rich_id, tmp_path):
    import pypdf

    out = tmp_path / "out.pdf"
    export_conversations(repo, [rich_id], ExportFormat.PDF, ThinkingExport.INCLUDE, out)
    fonts = {}

    def visit(text, cm, tm, font, size):
        for ch in text:
            if font is not None:
                fonts.setdefault(ch, set()).add(str(font.get("/BaseFont")))

    for page in pypdf.PdfReader(out).pages:
        page.extract_text(visitor_text=visit)
    assert fonts["’"] and not any("CJK" in f for f in fonts["’"]), fonts["’"]


def test_markdown_and_text_include_thought_and_answer(repo, conv_id, tmp_path):
    md = export_text(repo, conv_id, "md", "include", tmp_path)
    assert "> **Thought for 3.4 s · 57 tokens**" in md and "## Assistant" in md and "print(s[::-1])" in md
    txt = export_text(repo, conv_id, "txt", "collapse", tmp_path)  # plain text cannot fold: thought included
    assert "[Thought for 3.4 s · 57 tokens]" in txt and "secret-thought-marker" in txt


def test_several_conversations_to_a_folder_a_zip_or_one_json(repo, conv_id, tmp_path):
    other = repo.create_conversation("../../etc/passwd")
    repo.add_user_message(other, "hello")
    folder = export_conversations(repo, None, ExportFormat.MARKDOWN, ThinkingExport.INCLUDE, tmp_path / "all")
    assert len(folder) == 2 and all(p.parent == tmp_path / "all" for p in folder)
    assert not list((tmp_path / "all").glob(".*.tmp"))
    (zpath,) = export_conversations(repo, None, ExportFormat.HTML, ThinkingExport.OMIT, tmp_path / "all.zip")
    names = zipfile.ZipFile(zpath).namelist()
    assert len(names) == 2 and all("/" not in n and ".." not in n.replace("...", "") for n in names)
    (doc,) = export_conversations(repo, None, ExportFormat.JSON, ThinkingExport.INCLUDE, tmp_path / "all.json")
    assert len(json.loads(doc.read_text())["conversations"]) == 2


def test_nothing_is_overwritten_without_force(repo, conv_id, tmp_path):
    target = tmp_path / "x.md"
    target.write_text("precious")
    with pytest.raises(ExportError, match="already exists; use --force"):
        export_conversations(repo, [conv_id], ExportFormat.MARKDOWN, ThinkingExport.INCLUDE, target)
    assert target.read_text() == "precious"
    export_conversations(repo, [conv_id], ExportFormat.MARKDOWN, ThinkingExport.INCLUDE, target, force=True)
    assert "## Assistant" in target.read_text()


@pytest.mark.parametrize("title, expected", [
    ("../../etc/passwd", "etc passwd.md"),
    ("a/b\\c:d*e?f", "a b c d e f.md"),
    ("CON", "_CON.md"),
    ("  ...  ", "conversation.md"),
    ("x" * 300, "x" * 80 + ".md"),
    ("你好 🌍", "你好 🌍.md"),
])
def test_safe_filenames(title, expected):
    assert safe_filename(title, "md") == expected


# -- import ----------------------------------------------------------------------------

def snapshot(repo) -> list:
    doc = json_format.to_document(repo.all_conversations(), ThinkingExport.INCLUDE)
    return doc["conversations"]


def test_reimport_gives_the_same_and_twice_does_not_duplicate(repo, conv_id, tmp_path):
    out = tmp_path / "export.json"
    export_conversations(repo, None, ExportFormat.JSON, ThinkingExport.INCLUDE, out)
    fresh = open_history(tmp_path / "fresh.db")
    r1 = import_file(fresh, out)
    assert len(r1.imported) == 1 and not r1.skipped and snapshot(fresh) == snapshot(repo)
    r2 = import_file(fresh, out)
    assert r2.imported == [] and len(r2.skipped) == 1 and len(fresh.list_conversations()) == 1
    r3 = import_file(fresh, out, duplicate=True)
    assert len(r3.imported) == 1 and len(fresh.list_conversations()) == 2


@pytest.mark.parametrize("content, message", [
    ('{"format": "reasoner-desktop", "version": 1, "conversations": [{"uuid": "a", "ti', "not valid JSON"),
    ('{"format": "reasoner-desktop", "version": 1, "conversations": {"a": 1}}', "no list of conversations"),
    ('{"format": "reasoner-desktop", "version": 1, "conversations": [{"uuid": "a", "title": "t", '
     '"created_at": "2026-01-01T00:00:00", "updated_at": "2026-01-01T00:00:00", "messages": [{"uuid": "m", '
     '"parent": "ghost", "role": "user", "content": "x", "created_at": "2026-01-01T00:00:00"}]}]}', "parent"),
    ('{"format": "reasoner-desktop", "version": 99, "conversations": []}', "newer Reasoner Desktop"),
    ('[1, 2, 3]', "not an export this app knows"),
    ('\xff\xfe', "not valid JSON"),
])
def test_malformed_imports_are_refused_and_change_nothing(repo, conv_id, tmp_path, content, message):
    before = snapshot(repo)
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError, match=message) as info:
        import_file(repo, bad)
    assert "\n" not in str(info.value)
    assert snapshot(repo) == before


def test_a_failure_midway_imports_nothing(repo, conv_id, tmp_path):
    good = json_format.to_document(repo.all_conversations(), ThinkingExport.INCLUDE)
    good["conversations"][0]["uuid"] = "new-one"
    broken = json.loads(json.dumps(good["conversations"][0]))
    broken["uuid"] = "broken"
    broken["messages"][1]["role"] = "wizard"
    good["conversations"].append(broken)
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(good))
    before = snapshot(repo)
    with pytest.raises(ImportFormatError, match="conversation 2, message 2 has an unknown role"):
        import_file(repo, path)
    assert snapshot(repo) == before


def test_chatgpt_export_with_thoughts_and_branches(repo):
    result = import_file(repo, FIXTURES / "chatgpt_conversations.json")
    assert result.source == "chatgpt" and len(result.imported) == 1
    conv = repo.get_conversation(result.imported[0])
    assert conv.title == "Prime check"
    assert [(m.role.value, m.content) for m in conv.messages] == [
        ("user", "Is 91 prime?"), ("assistant", "No: 91 = 7 × 13."), ("assistant", "91 is not prime."),
        ("user", "谢谢！")]
    o1 = conv.messages[1]
    assert "91 = 7 × 13, so not prime." in o1.thinking and o1.model == "o1"
    assert [m.content for m in conv.path_messages] == ["Is 91 prime?", "91 is not prime.", "谢谢！"]
    assert conv.siblings(conv.messages[1].id) == [conv.messages[1].id, conv.messages[2].id]
    assert import_file(repo, FIXTURES / "chatgpt_conversations.json").skipped == ["Prime check"]


def test_reasoning_dataset_keeps_thumbs_up_rationales(repo, conv_id, tmp_path):
    conv = repo.get_conversation(conv_id)
    answer = conv.messages[1]
    uid = repo.add_user_message(conv_id, "second question")
    other = repo.start_assistant_message(conv_id, uid, "m")
    repo.finish_message(other, "meh", "weak reasoning", MessageStatus.COMPLETE)
    repo.set_rating(other, -1)
    out = tmp_path / "star.jsonl"
    assert export_dataset(repo, out) == 0  # nothing rated up yet
    repo.set_rating(answer.id, 1)
    assert export_dataset(repo, out, force=True) == 1
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert (row["prompt"], row["thought"], row["answer"]) == ("如何反转字符串？", THOUGHT, ANSWER)
    export_dataset(repo, out, form="chat", force=True)
    (chat,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert chat["messages"][-1] == {"role": "assistant", "content": ANSWER, "reasoning_content": THOUGHT}


# -- round trip property -----------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60) | st.sampled_from(
    ["<script>alert('x')</script>", "**bold** _it_ `code`\n```py\nx = 1\n```", "你好，世界 🌍🎉", "<img src=\"http://x\">",
     "", "line1\r\nline2", "&amp; &lt;"])
BASE = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def conversations(draw):
    n = draw(st.integers(1, 8))
    messages = []
    for i in range(1, n + 1):
        parent = None if i == 1 else draw(st.integers(1, i - 1))
        role = draw(st.sampled_from([Role.USER, Role.ASSISTANT]))
        messages.append(MessageRecord(
            id=i, conversation_id=0, parent_id=parent, role=role, content=draw(TEXT),
            thinking=draw(TEXT) if role is Role.ASSISTANT else "",
            status=draw(st.sampled_from([MessageStatus.COMPLETE, MessageStatus.STOPPED, MessageStatus.INTERRUPTED])),
            model=draw(st.none() | st.sampled_from(["a.gguf", "模型.gguf"])),
            thinking_seconds=draw(st.none() | st.floats(0, 1000, allow_nan=False)),
            thinking_tokens=draw(st.none() | st.integers(0, 10**6)), answer_tokens=None,
            created_at=BASE + timedelta(microseconds=draw(st.integers(0, 10**12))),
            keep_thinking=draw(st.booleans()), rating=draw(st.sampled_from([None, 1, -1])),
            budget=draw(st.sampled_from([None, "none", "cut", "extended"])),
            stats=draw(st.dictionaries(st.sampled_from(["ttft_seconds", "notes"]), st.integers(0, 9), max_size=2)),
            uuid=f"m-{draw(st.uuids())}", updated_at=BASE, prompt_tokens=None, sampling={},
        ))
    leaf = draw(st.integers(1, n))
    path, node = [], leaf
    parents = {m.id: m.parent_id for m in messages}
    while node is not None:
        path.append(node)
        node = parents[node]
    return ConversationRecord(
        id=0, title=draw(TEXT.filter(lambda t: len(t) <= 200)), created_at=BASE, updated_at=BASE + timedelta(days=1),
        pinned=draw(st.booleans()), model=None, system_prompt=draw(st.none() | TEXT), messages=messages,
        active_path=path[::-1], uuid=f"c-{draw(st.uuids())}", settings=draw(st.sampled_from([{}, {"mode": "auto"}])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(convs=st.lists(conversations(), min_size=1, max_size=3))
def test_json_round_trip_property(tmp_path_factory, convs):
    tmp = tmp_path_factory.mktemp("rt")
    first = open_history(tmp / "a.db")
    first.import_conversations(convs)
    out1 = tmp / "one.json"
    export_conversations(first, None, ExportFormat.JSON, ThinkingExport.INCLUDE, out1)
    second = open_history(tmp / "b.db")
    import_file(second, out1)
    out2 = tmp / "two.json"
    export_conversations(second, None, ExportFormat.JSON, ThinkingExport.INCLUDE, out2)
    doc1, doc2 = json.loads(out1.read_text()), json.loads(out2.read_text())
    assert doc1["conversations"] == doc2["conversations"]
    # and the imported data is what was generated
    by_uuid = {c.uuid: c for c in convs}
    for conv in doc2["conversations"]:
        original = by_uuid[conv["uuid"]]
        assert [m["content"] for m in conv["messages"]] == [m.content for m in original.messages]
        assert [m["thinking"] for m in conv["messages"]] == [m.thinking for m in original.messages]
    for db in (first, second):
        db.engine.dispose()
