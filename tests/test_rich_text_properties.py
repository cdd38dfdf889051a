"""Model text can never break a view: the Markdown renderer takes any text, never raises, and
never lets an active tag, event handler or unsafe link from the text into its HTML."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reasoner_desktop.export.rich_text import complete_blocks_end, latex_to_html, render_markdown, render_markdown_page

# What our HTML may contain: the tags Markdown makes and the ones the renderer dresses it with.
ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "hr", "br", "a", "span", "div", "b", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRS = {"style", "class", "align", "href", "rel", "start", "width", "cellspacing", "cellpadding", "border",
                 "charset", "http-equiv", "content", "name"}  # the last four: an exported page's <meta>


class TagAudit(HTMLParser):
    def __init__(self, allowed_tags: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.allowed_tags:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name not in ALLOWED_ATTRS or name.startswith("on"):
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name == "href" and not re.match(r"(https?:|mailto:|copy:\d+$)", value, re.I):
                self.problems.append(f"href {value!r}")
            if name == "style" and re.search(r"url\(|expression|@import|javascript:", value, re.I):
                self.problems.append(f"style {value!r}")

    handle_startendtag = handle_starttag


def audit(out: str, extra_tags: set[str] = frozenset()) -> list[str]:
    """What in `out` could run, load or go anywhere (an exported page adds its own head tags)."""
    parser = TagAudit(ALLOWED_TAGS | extra_tags)
    parser.feed(out)
    parser.close()
    problems = parser.problems
    active = {"script", "img", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "form", "base",
              "input"} - extra_tags
    if re.search(rf"<\s*/?\s*({'|'.join(active)})\b", out, re.I):
        problems.append("an active tag")
    return problems


def render_everywhere(text: str) -> list[str]:
    """The three dresses: the window (light and dark, with Copy links) and the exported page."""
    return [render_markdown(text).html, render_markdown(text, dark=True, code_start=3).html,
            render_markdown(text, copy_links=False).html, render_markdown_page(text)]


# -- regressions ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("so \\(a \\\\) and", "a \\"),  # \\( … \\) whose body ends in a backslash
    ("$$x \\$$", "x \\"),  # a display block ending in \\$$
    ("$$\nx = 1 \\\n$$", "x = 1 \\"),
    ("$a\\\nb$", "a b"),  # a backslash before a newline: a control space
])
def test_math_ending_in_a_lone_backslash_renders(text, shown):
    for out in render_everywhere(text):
        assert shown in out and not audit(out)


def test_deeply_nested_math_is_bounded_and_shown():
    deep = "\\frac{" * 3000 + "x" + "}" * 3000
    out = latex_to_html(deep)
    assert "x" in out and "\\frac" in out  # past the depth limit the rest is shown as typed
    assert render_markdown(f"$${deep}$$").html


# -- properties ----------------------------------------------------------------------------

PIECES = [
    "#", "## ", "**", "*", "_", "__", "~~", "`", "``", "```", "```python\n", "```\n", "~~~", "~~~js\n", "    ",
    "$", "$$", "$$\n", "\\(", "\\)", "\\[", "\\]", "\\", "\\\\", "\\frac", "\\sqrt", "\\text{", "\\begin{aligned}",
    "{", "}", "^", "_{", "&", "|", "| a | b |\n|---|:-:|\n", "- ", "1. ", "> ", ">>", "\n", "\n\n", " ",
    "<script>alert(1)</script>", "<script", "</script>", "<img src=x onerror=alert(1)>",
    '<img src="http://127.0.0.1:9/t.png">', "<iframe src=//evil>", "<svg onload=alert(1)>", '<a href="javascript:x">',
    "<style>@import url(http://x)</style>", "<math>", "<object data=x>", "<base href=//x>", "<form action=//x>",
    "onclick=", "onerror=", "javascript:", "JaVaScRiPt:alert(1)", "[a](javascript:alert(1))", "[b](http://x.org)",
    "[c](file:///etc/passwd)", "[d](data:text/html,<script>)", "[e](mailto:a@b)", "![i](http://x/y.png)",
    "![i](data:image/png;base64,iVBORw0KGgo=)", "![f](file:///etc/passwd)", "<http://x.org>", "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n", "[x]", "&amp;", "&lt;script&gt;", "&#60;script&#62;", "&#x3C;img&#x3E;", '"', "'",
    "你好", "世界", "’", "…", "🌍", "\x00", "\x07", "\x1b[31m", "\r", "\r\n", "\t", "\u202e", "\ufeff", "\u200b",
]
PIECE = st.sampled_from(PIECES) | st.text(max_size=6)
TEXTS = (
    st.lists(PIECE, max_size=40).map("".join)
    | st.text(max_size=200)
    | st.builds(lambda piece, n: piece * n, st.sampled_from(PIECES), st.integers(1, 2000))  # very long lines
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
@example("so \\(a \\\\) and")
@example("```\n" + "x" * 50_000)
@example("<scr<script>ipt>alert(1)</script>")
def test_any_text_renders_and_nothing_in_it_is_live(text):
    for out in render_everywhere(text):
        assert isinstance(out, str)
        assert not audit(out), (text, out)
    end = complete_blocks_end(text)  # the streaming split point: always inside the text
    assert 0 <= end <= len(text) and complete_blocks_end(text, end) >= end
