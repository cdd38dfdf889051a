"""Model Markdown to safe HTML for Qt's rich-text widgets (and anything else that shows HTML).

Model output is untrusted: raw HTML is escaped (shown as text), images become a text
placeholder (nothing is ever fetched), and only http(s)/mailto links survive, as anchors
that the UI opens after asking. Code blocks are highlighted with Pygments and carry a
`copy:N` link; LaTeX math ($…$, $$…$$, \\(…\\), \\[…\\]) is turned into legible Unicode.

Two dresses of the same HTML: for Qt's rich text (the window, and the PDF through QTextDocument)
every element carries the inline attributes Qt understands; for a page (the HTML export) elements
carry classes and `page_css()` gives the style sheet, Pygments' colours included. Whatever the input,
rendering never raises and its cost stays bounded (math nests at most MAX_MATH_DEPTH deep).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

SAFE_SCHEMES = ("http://", "https://", "mailto:")


@dataclass
class Rendered:
    html: str
    code_blocks: list[str] = field(default_factory=list)  # raw code, indexed by the copy:N links


def _formatter(dark: bool) -> HtmlFormatter:
    return HtmlFormatter(noclasses=True, nowrap=True, style="monokai" if dark else "friendly")


_PAGE_FORMATTER = HtmlFormatter(nowrap=True)  # classes only; the colours come from page_css()
_PAGE_LIGHT = HtmlFormatter(style="friendly")
_PAGE_DARK = HtmlFormatter(style="monokai")
GUESS_SAMPLE = 4000  # characters of an unlabelled code block that guessing its language reads


# -- LaTeX to Unicode ---------------------------------------------------------------------

_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "equiv": "≡", "sim": "∼", "propto": "∝", "infty": "∞",
    "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮", "partial": "∂", "nabla": "∇", "sqrt": "√",
    "rightarrow": "→", "to": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⇔",
    "Leftrightarrow": "⇔", "implies": "⇒", "mapsto": "↦", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "supset": "⊃", "cup": "∪", "cap": "∩", "emptyset": "∅", "forall": "∀", "exists": "∃",
    "neg": "¬", "land": "∧", "lor": "∨", "wedge": "∧", "vee": "∨", "ldots": "…", "cdots": "⋯", "dots": "…",
    "circ": "∘", "degree": "°", "angle": "∠", "perp": "⊥", "parallel": "∥", "therefore": "∴",
    "quad": "  ", "qquad": "    ", ",": " ", ";": " ", "!": "", " ": " ", "left": "", "right": "", "displaystyle": "",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩", "mid": "∣",
    "binom": "C", "{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&", "_": "_",
}
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "P": "ℙ"}
_SUP = str.maketrans("0123456789+-=()niakx", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵏˣ")
_SUB = str.maketrans("0123456789+-=()aeiknx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢₖₙₓ")
# A command: a backslash and a word, or any one character (a newline too), or nothing at the very end.
_COMMAND = re.compile(r"\\([A-Za-z]+|.?)", re.S)
MAX_MATH_DEPTH = 32  # \frac{\frac{…}} deeper than this is shown as typed


def _group(s: str, i: int) -> tuple[str, int]:
    """The {…} group (or single character / command) starting at s[i]."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            depth += {"{": 1, "}": -1}.get(s[j], 0)
            if depth == 0:
                return s[i + 1: j], j + 1
            j += 1
        return s[i + 1:], len(s)
    if s[i] == "\\":
        m = _COMMAND.match(s, i)
        return m.group(0), m.end()
    return s[i], i + 1


def latex_to_html(src: str, _depth: int = 0) -> str:
    """A legible rendering of common LaTeX math as HTML text (escaped), not typesetting."""
    if _depth > MAX_MATH_DEPTH:
        return html.escape(src)
    sub = lambda t: latex_to_html(t, _depth + 1)  # noqa: E731
    out: list[str] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            m = _COMMAND.match(src, i)
            name = m.group(1)
            i = m.end()
            if name == "" or name == "\n":  # a lone backslash at the end; a control space
                out.append("\\" if name == "" else " ")
            elif name == "frac" or name == "dfrac" or name == "tfrac":
                a, i = _group(src, i)
                b, i = _group(src, i)
                num, den = sub(a), sub(b)
                wrap = lambda t, raw: t if len(raw) <= 1 or raw.isalnum() else f"({t})"  # noqa: E731
                out.append(f"{wrap(num, a)}⁄{wrap(den, b)}")
            elif name == "sqrt":
                a, i = _group(src, i)
                inner = sub(a)
                out.append(f"√{inner}" if len(a) <= 1 else f"√({inner})")
            elif name in ("text", "mathrm", "textbf", "mathbf", "operatorname", "mathit", "textit"):
                a, i = _group(src, i)
                out.append(html.escape(a) if name.startswith("text") else sub(a))
            elif name == "mathbb":
                a, i = _group(src, i)
                out.append(_BLACKBOARD.get(a, html.escape(a)))
            elif name == "boxed":
                a, i = _group(src, i)
                out.append(f"<b>[ {sub(a)} ]</b>")
            elif name in ("overline", "bar", "hat", "vec", "tilde"):
                a, i = _group(src, i)
                mark = {"overline": "\u0305", "bar": "\u0304", "hat": "\u0302", "vec": "\u20d7", "tilde": "\u0303"}
                out.append(sub(a) + mark[name])
            elif name in ("begin", "end"):
                _env, i = _group(src, i)
            elif name == "\\":
                out.append("<br>")
            elif name in _SYMBOLS:
                out.append(html.escape(_SYMBOLS[name]))
            elif name in ("sin", "cos", "tan", "log", "ln", "exp", "lim", "max", "min", "det", "gcd", "mod"):
                out.append(name + (" " if name in ("mod",) else ""))
            else:
                out.append(html.escape(name))
        elif c in "^_":
            a, i = _group(src, i + 1)
            inner = sub(a)
            table = _SUP if c == "^" else _SUB
            plain = re.fullmatch(r"[0-9+\-=()niakx]+" if c == "^" else r"[0-9+\-=()aeiknx]+", a or "")
            out.append(a.translate(table) if plain else (f"<sup>{inner}</sup>" if c == "^" else f"<sub>{inner}</sub>"))
        elif c in "{}":
            i += 1
        elif c == "&":
            out.append(" ")
            i += 1
        else:
            out.append(html.escape(c))
            i += 1
    return "".join(out)


# -- Markdown ------------------------------------------------------------------------------

def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.inline.ruler.before("escape", "latex_parens", _latex_parens)
    return md


def _latex_parens(state, silent: bool) -> bool:
    r"""\( … \) inline and \[ … \] display math, as reasoning models often write."""
    src, pos = state.src, state.pos
    if not src.startswith(("\\(", "\\["), pos):
        return False
    close = "\\)" if src[pos + 1] == "(" else "\\]"
    # Remember where the next closer is: thousands of openers without one must not each scan the rest.
    seen = state.env.setdefault("latex_closers", {})
    start, end = seen.get((close, src), (len(src) + 1, -1))
    if not (start <= pos + 2 and (end < 0 or end >= pos + 2)):
        end = src.find(close, pos + 2)
        seen[(close, src)] = (pos + 2, end)
    if end < 0:
        return False
    if not silent:
        token = state.push("math_inline" if close == "\\)" else "math_inline_double", "math", 0)
        token.content = src[pos + 2: end]
        token.markup = src[pos: pos + 2]
    state.pos = end + 2
    return True


class _Renderer:
    """One rendering. `page`: classes for a page's style sheet (see page_css); otherwise inline
    attributes for Qt's rich text. `copy_links`: a `copy:N` link on each code block (the window)."""

    def __init__(self, *, dark: bool, page: bool, copy_links: bool, code_start: int = 0) -> None:
        self.dark, self.page, self.copy_links = dark, page, copy_links
        self.code_start = code_start
        self.code: list[str] = []
        self.links: list[bool] = []  # open links: was each one kept (an <a>) or made text (a <span>)?
        self.md = _md()
        def rules(name, fn):  # plain callables: add_render_rule would rebind them to the renderer
            self.md.renderer.rules[name] = fn

        rules("fence", self._fence)
        rules("code_block", self._fence)
        rules("image", self._image)
        rules("link_open", self._link_open)
        rules("link_close", self._link_close)  # </a>, or </span> where the link was unsafe
        rules("math_inline", lambda tokens, idx, options, env: self._math(tokens[idx].content, display=False))
        rules("math_inline_double", lambda tokens, idx, options, env: self._math(tokens[idx].content, display=True))
        rules("math_block", lambda tokens, idx, options, env: self._math(tokens[idx].content, display=True,
                                                                          block=True))
        rules("math_block_label", lambda tokens, idx, options, env: self._math(tokens[idx].content, display=True,
                                                                                block=True))

    def _fence(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        lang = (token.info or "").strip().split(" ")[0]
        code = token.content
        n = self.code_start + len(self.code)
        self.code.append(code.rstrip("\n"))
        try:  # guessing reads the text with every lexer: a sample is enough
            lexer = get_lexer_by_name(lang) if lang else guess_lexer(code[:GUESS_SAMPLE])
        except ClassNotFound:
            lexer = None
        label = html.escape(lang or "code")
        if self.page:
            body = highlight(code, lexer, _PAGE_FORMATTER) if lexer is not None else html.escape(code)
            return (f'<div class="code"><div class="lang">{label}</div>'
                    f'<pre><code class="hl">{body.rstrip()}</code></pre></div>\n')
        body = highlight(code, lexer, _formatter(self.dark)) if lexer is not None else html.escape(code)
        bg = "#272822" if self.dark else "#f6f8fa"
        fg = "#f8f8f2" if self.dark else "#24292f"
        copy = f'&nbsp;&nbsp;<a href="copy:{n}" style="font-size:small;">Copy</a>' if self.copy_links else ""
        return (f'<table width="100%" cellspacing="0" cellpadding="8" style="background:{bg}; margin:6px 0;">'
                f'<tr><td style="color:{fg};"><span style="color:#8b949e; font-size:small;">{label}</span>{copy}'
                f'<pre style="margin:4px 0 0 0; font-family:monospace; color:{fg}; white-space:pre-wrap;">{body.rstrip()}</pre>'
                "</td></tr></table>\n")

    def _image(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        alt = html.escape(token.content or "image")
        src = html.escape(token.attrGet("src") or "")
        style = 'class="image"' if self.page else 'style="color:#8b949e;"'
        return f"<span {style}>[image not loaded: {alt} · {src}]</span>"

    def _link_open(self, tokens, idx, options, env) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        keep = href.lower().startswith(SAFE_SCHEMES)
        self.links.append(keep)
        if not keep:
            return "<span>"  # a javascript:, file: or relative link becomes plain text
        rel = ' rel="nofollow noopener noreferrer"' if self.page else ""
        return f'<a href="{html.escape(href, quote=True)}"{rel}>'

    def _link_close(self, tokens, idx, options, env) -> str:
        return "</a>" if (self.links.pop() if self.links else True) else "</span>"

    def _math(self, content: str, *, display: bool, block: bool = False) -> str:
        body = latex_to_html(content.strip())
        if self.page:
            if display:
                tag = "div" if block else "span"
                return f'<{tag} class="math display">{body}</{tag}>' + ("\n" if block else "")
            return f'<span class="math">{body}</span>'
        if display:
            return f'<p align="center" style="font-family:serif; font-style:italic; font-size:large;">{body}</p>'
        return f'<span style="font-family:serif; font-style:italic;">{body}</span>'

    def render(self, text: str) -> Rendered:
        out = self.md.render(text)
        if self.page:
            return Rendered(out, self.code)
        # Qt's rich text knows no CSS for these; give them attributes it does understand.
        line = "#444c56" if self.dark else "#d0d7de"
        quote = "#9aa4ae" if self.dark else "#57606a"
        code_bg = "#2d333b" if self.dark else "#eff1f3"
        out = (out.replace("<table>", f'<table border="1" cellspacing="0" cellpadding="5" '
                                      f'style="border-color:{line}; border-style:solid; border-collapse:collapse; margin:6px 0;">')
               .replace("<blockquote>", f'<blockquote style="color:{quote}; font-style:italic;">')
               .replace("<code>", f'<code style="background:{code_bg}; font-family:monospace;">'))
        return Rendered(out, self.code)


def render_markdown(text: str, *, dark: bool = False, code_start: int = 0, copy_links: bool = True) -> Rendered:
    """Model text as safe HTML for Qt's rich text; code blocks are listed for the Copy links
    (numbered from `code_start`, for text rendered in pieces; `copy_links=False` leaves them out,
    as a printed page wants)."""
    return _Renderer(dark=dark, page=False, copy_links=copy_links, code_start=code_start).render(text)


def render_markdown_page(text: str) -> str:
    """Model text as safe HTML for a web page styled by page_css(): the same Markdown, math and
    highlighting as the window, dressed with classes instead of inline attributes."""
    return _Renderer(dark=False, page=True, copy_links=False).render(text).html


def page_css(*, dark: bool = False) -> str:
    """Pygments' colours for the code in render_markdown_page's HTML (light, or dark)."""
    return "\n".join((_PAGE_DARK if dark else _PAGE_LIGHT).get_token_style_defs(".hl")) + "\n"


def complete_blocks_end(text: str, start: int = 0) -> int:
    """Where the Markdown blocks that can no longer change end: after the last blank line at or
    after `start` that is not inside an open code fence (`start` if there is none). While an answer
    streams, text up to here can be rendered; the rest is still being written."""
    end = text.rfind("\n\n", start)
    while end >= start:
        if _fences_before(text, end) % 2 == 0:
            return end + 2
        end = text.rfind("\n\n", start, end)
    return start


def _fences_before(text: str, end: int) -> int:
    return text.count("\n```", 0, end) + text.count("\n~~~", 0, end) + (1 if text.startswith(("```", "~~~")) else 0)
