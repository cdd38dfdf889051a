"""Model Markdown to safe HTML for Qt's rich-text widgets (and anything else that shows HTML).

Model output is untrusted: raw HTML is escaped (shown as text), images become a text
placeholder (nothing is ever fetched), and only http(s)/mailto links survive, as anchors
that the UI opens after asking. Code blocks are highlighted with Pygments and carry a
`copy:N` link; LaTeX math ($…$, $$…$$, \\(…\\), \\[…\\]) is turned into legible Unicode.
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
        m = re.match(r"\\([A-Za-z]+|.)", s[i:])
        return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def latex_to_html(src: str) -> str:
    """A legible rendering of common LaTeX math as HTML text (escaped), not typesetting."""
    out: list[str] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", src[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name == "frac" or name == "dfrac" or name == "tfrac":
                a, i = _group(src, i)
                b, i = _group(src, i)
                num, den = latex_to_html(a), latex_to_html(b)
                wrap = lambda t, raw: t if len(raw) <= 1 or raw.isalnum() else f"({t})"  # noqa: E731
                out.append(f"{wrap(num, a)}⁄{wrap(den, b)}")
            elif name == "sqrt":
                a, i = _group(src, i)
                inner = latex_to_html(a)
                out.append(f"√{inner}" if len(a) <= 1 else f"√({inner})")
            elif name in ("text", "mathrm", "textbf", "mathbf", "operatorname", "mathit", "textit"):
                a, i = _group(src, i)
                out.append(html.escape(a) if name.startswith("text") else latex_to_html(a))
            elif name == "mathbb":
                a, i = _group(src, i)
                out.append(_BLACKBOARD.get(a, html.escape(a)))
            elif name == "boxed":
                a, i = _group(src, i)
                out.append(f"<b>[ {latex_to_html(a)} ]</b>")
            elif name in ("overline", "bar", "hat", "vec", "tilde"):
                a, i = _group(src, i)
                mark = {"overline": "\u0305", "bar": "\u0304", "hat": "\u0302", "vec": "\u20d7", "tilde": "\u0303"}
                out.append(latex_to_html(a) + mark[name])
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
            inner = latex_to_html(a)
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
    end = src.find(close, pos + 2)
    if end < 0:
        return False
    if not silent:
        token = state.push("math_inline" if close == "\\)" else "math_inline_double", "math", 0)
        token.content = src[pos + 2: end]
        token.markup = src[pos: pos + 2]
    state.pos = end + 2
    return True


class _Renderer:
    def __init__(self, dark: bool, code_start: int = 0) -> None:
        self.dark = dark
        self.code_start = code_start
        self.code: list[str] = []
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
        rules("math_block", lambda tokens, idx, options, env: self._math(tokens[idx].content, display=True))
        rules("math_block_label", lambda tokens, idx, options, env: self._math(tokens[idx].content, display=True))

    def _fence(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        lang = (token.info or "").strip().split(" ")[0]
        code = token.content
        n = self.code_start + len(self.code)
        self.code.append(code.rstrip("\n"))
        try:
            lexer = get_lexer_by_name(lang) if lang else guess_lexer(code)
        except ClassNotFound:
            lexer = None
        body = highlight(code, lexer, _formatter(self.dark)) if lexer is not None else html.escape(code)
        bg = "#272822" if self.dark else "#f6f8fa"
        fg = "#f8f8f2" if self.dark else "#24292f"
        label = html.escape(lang or "code")
        return (f'<table width="100%" cellspacing="0" cellpadding="8" style="background:{bg}; margin:6px 0;">'
                f'<tr><td style="color:{fg};"><span style="color:#8b949e; font-size:small;">{label}</span>'
                f'&nbsp;&nbsp;<a href="copy:{n}" style="font-size:small;">Copy</a>'
                f'<pre style="margin:4px 0 0 0; font-family:monospace; color:{fg}; white-space:pre-wrap;">{body.rstrip()}</pre>'
                "</td></tr></table>\n")

    def _image(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        alt = html.escape(token.content or "image")
        src = html.escape(token.attrGet("src") or "")
        return f'<span style="color:#8b949e;">[image not loaded: {alt} · {src}]</span>'

    def _link_open(self, tokens, idx, options, env) -> str:
        href = tokens[idx].attrGet("href") or ""
        if not href.lower().startswith(SAFE_SCHEMES):
            tokens[idx].attrs = {}
            return "<span>"  # a javascript:, file: or relative link becomes plain text
        return f'<a href="{html.escape(href, quote=True)}">'

    def _math(self, content: str, *, display: bool) -> str:
        body = latex_to_html(content.strip())
        if display:
            return f'<p align="center" style="font-family:serif; font-style:italic; font-size:large;">{body}</p>'
        return f'<span style="font-family:serif; font-style:italic;">{body}</span>'

    def render(self, text: str) -> Rendered:
        out = self.md.render(text)
        # Qt's rich text knows no CSS for these; give them attributes it does understand.
        line = "#444c56" if self.dark else "#d0d7de"
        quote = "#9aa4ae" if self.dark else "#57606a"
        code_bg = "#2d333b" if self.dark else "#eff1f3"
        out = (out.replace("<table>", f'<table border="1" cellspacing="0" cellpadding="5" '
                                      f'style="border-color:{line}; border-style:solid; margin:6px 0;">')
               .replace("<blockquote>", f'<blockquote style="color:{quote}; font-style:italic;">')
               .replace("<code>", f'<code style="background:{code_bg}; font-family:monospace;">'))
        return Rendered(out, self.code)

    def _link_close(self, tokens, idx, options, env) -> str:
        # Find the matching open: walk back to the nearest unmatched link_open.
        depth = 0
        for j in range(idx - 1, -1, -1):
            t = tokens[j]
            if t.type == "link_close":
                depth += 1
            elif t.type == "link_open":
                if depth == 0:
                    return "</a>" if t.attrs else "</span>"
                depth -= 1
        return "</a>"


def render_markdown(text: str, *, dark: bool = False, code_start: int = 0) -> Rendered:
    """Model text as safe HTML; code blocks are listed for the Copy links (numbered from
    `code_start`, for text rendered in pieces)."""
    return _Renderer(dark, code_start).render(text)


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
