"""Markdown, plain text and self-contained HTML documents of a conversation's active branch."""

from __future__ import annotations

import html
from datetime import datetime

from reasoner_desktop import __version__
from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.options import ThinkingExport
from reasoner_desktop.export.rich_text import page_css, render_markdown_page

ROLE_NAMES = {Role.USER: "You", Role.ASSISTANT: "Assistant", Role.SYSTEM: "System"}
STATUS_NOTES = {MessageStatus.STOPPED: "stopped", MessageStatus.ERROR: "error",
                MessageStatus.INTERRUPTED: "interrupted"}


def thought_title(m: MessageRecord) -> str:
    parts = []
    if m.thinking_seconds is not None:
        secs = m.thinking_seconds
        parts.append(f"Thought for {secs:.1f} s" if secs < 10 else f"Thought for {round(secs)} s")
    else:
        parts.append("Chain of thought")
    if m.thinking_tokens:
        parts.append(f"{m.thinking_tokens} tokens")
    return " · ".join(parts)


def _stamp(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else ""


def _heading(m: MessageRecord) -> str:
    note = STATUS_NOTES.get(m.status)
    return ROLE_NAMES[m.role] + (f" ({note})" if note else "")


EMPTY_ANSWER = "_(No answer after the thought.)_"


def vote_line(vote: dict) -> str:
    """"5 of 8 paths agree" under the winner of a parallel turn (the window says the same)."""
    n = vote.get("of", 0)
    if vote.get("method") == "extracted":
        return f"{vote.get('agree', 0)} of {n} paths agree"
    if vote.get("method") == "model":
        return f"Chosen by the model among {n} paths"
    return f"{n} paths; no final answer could be read"


def other_paths(conv: ConversationRecord, m: MessageRecord) -> tuple[dict, list[tuple[int, MessageRecord, str | None]]]:
    """The vote an answer belongs to, and the other paths: (path number, message, its final answer)."""
    vote = conv.vote_for(m.id) if m.role is Role.ASSISTANT else None
    if not vote:
        return {}, []
    by_id = {x.id: x for x in conv.messages}
    out = []
    for i, p in enumerate(vote.get("paths") or [], 1):
        other = by_id.get(p.get("message_id"))
        if other is not None and other.id != m.id:
            out.append((i, other, p.get("final_answer")))
    return vote, out


def answer_text(m: MessageRecord) -> str:
    """What an export shows for a message: an answer that came out empty after a thought says so,
    rather than leaving an empty "Assistant" (the window says the same)."""
    if m.role is Role.ASSISTANT and not m.content.strip() and m.thinking.strip():
        return EMPTY_ANSWER
    return m.content


# -- Markdown ---------------------------------------------------------------------------

def to_markdown(conv: ConversationRecord, thinking: ThinkingExport) -> str:
    out = [f"# {conv.title}", "", f"*Exported from Reasoner Desktop {__version__} · {conv.model or 'unknown model'} · "
           f"{_stamp(conv.updated_at)}*", ""]
    if conv.system_prompt:
        out += ["## System", "", conv.system_prompt, ""]
    for m in conv.path_messages:
        out += [f"## {_heading(m)}", ""]
        if m.thinking and thinking is not ThinkingExport.OMIT:
            if thinking is ThinkingExport.COLLAPSE:
                out += [f"<details><summary>{html.escape(thought_title(m))}</summary>", "", m.thinking, "",
                        "</details>", ""]
            else:
                out += [f"> **{thought_title(m)}**", ">"] + [f"> {line}".rstrip() for line in m.thinking.splitlines()]
                out.append("")
        out += [answer_text(m), ""]
        vote, others = other_paths(conv, m)
        if vote:
            out += [f"*{vote_line(vote)}*", ""]
            for i, other, final in others:
                label = html.escape(f"Path {i}: {final}" if final else f"Path {i}")
                out += [f"<details><summary>{label}</summary>", ""]
                if other.thinking and thinking is not ThinkingExport.OMIT:
                    out += [f"> **{thought_title(other)}**", ">"] + [
                        f"> {line}".rstrip() for line in other.thinking.splitlines()] + [""]
                out += [answer_text(other), "", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"


# -- plain text -------------------------------------------------------------------------

def to_text(conv: ConversationRecord, thinking: ThinkingExport) -> str:
    out = [conv.title, "=" * min(len(conv.title), 72) or "=", f"Reasoner Desktop {__version__} · "
           f"{conv.model or 'unknown model'} · {_stamp(conv.updated_at)}", ""]
    if conv.system_prompt:
        out += ["System:", _indent(conv.system_prompt), ""]
    for m in conv.path_messages:
        out.append(f"{_heading(m)}:")
        if m.thinking and thinking is not ThinkingExport.OMIT:  # plain text cannot fold: collapse = include
            out += [f"  [{thought_title(m)}]", _indent(m.thinking, "  | "), ""]
        out += [_indent(answer_text(m).strip("_")), ""]
        vote, others = other_paths(conv, m)
        if vote:
            out += [f"  ({vote_line(vote)})", ""]
            for i, other, final in others:
                out += [f"  Path {i}" + (f" ({final})" if final else "") + ":", _indent(answer_text(other).strip("_"),
                                                                                        "    "), ""]
    return "\n".join(out).rstrip() + "\n"


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.splitlines())


# -- HTML -------------------------------------------------------------------------------

# Latin fonts come first and CJK ones after: a browser takes each character from the first font in
# the list that has it, and CJK fonts draw Latin punctuation (’ “ ”) full-width. Light values are
# written out (not CSS variables) so that simpler renderers, Qt's rich text included, get them too.
SANS = ('-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", '
        '"Liberation Sans", "PingFang SC", "Hiragino Sans", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
        "sans-serif")
MONO = ('ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono", '
        '"Noto Sans Mono CJK SC", monospace')
SERIF = '"Cambria Math", Cambria, "STIX Two Math", "DejaVu Serif", "Times New Roman", "Noto Serif CJK SC", serif'
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

# Simple rules first: a parser that knows less CSS (Qt's rich text) stops at the first rule it
# cannot read, so the media queries and newer selectors come last.
HTML_CSS = f"""
body {{ font: 16px/1.55 {SANS}; color: #1d1d1f; background: #ffffff; max-width: 52rem; margin: 32px auto;
  padding: 0 16px; }}
h1.title {{ font-size: 26px; margin-bottom: 3px; }} .meta {{ color: #6e6e73; margin-bottom: 32px; }}
.msg {{ margin: 19px 0; padding: 13px 16px; border-radius: 12px; }}
.msg.user, .msg.system {{ background: #f2f2f7; }} .role {{ font-weight: 600; margin-bottom: 5px; }}
.text {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
.body {{ overflow-wrap: anywhere; }}
.body h1 {{ font-size: 23px; }} .body h2 {{ font-size: 20px; }} .body h3 {{ font-size: 18px; }}
.body h1, .body h2, .body h3, .body h4 {{ margin: 18px 0 8px; line-height: 1.3; }}
.body p, .body ul, .body ol {{ margin: 9px 0; }}
.body table {{ border-collapse: collapse; margin: 11px 0; }}
.body th, .body td {{ border: 1px solid #d2d2d7; padding: 5px 11px; }} .body th {{ background: #f5f5f7; }}
.body blockquote {{ margin: 11px 0; padding: 0 14px; border-left: 3px solid #d2d2d7; color: #6e6e73; }}
.body hr {{ border: none; border-top: 1px solid #d2d2d7; }}
code {{ font: .9em/1.45 {MONO}; background: #eff1f3; padding: 2px 5px; border-radius: 4px; }}
.code {{ background: #f6f8fa; color: #24292f; border-radius: 8px; margin: 11px 0; }}
.code .lang {{ font-size: 12px; color: #8b949e; padding: 7px 13px 0; }}
.code pre {{ margin: 0; padding: 5px 13px 11px; font-size: 14px; line-height: 1.45; white-space: pre-wrap;
  overflow-wrap: anywhere; }}
.code pre code {{ font-size: 14px; background: none; padding: 0; }}
.math {{ font-family: {SERIF}; font-style: italic; white-space: nowrap; }}
.math.display {{ display: block; text-align: center; font-size: 1.15em; margin: 11px 0; white-space: normal; }}
.image {{ color: #8b949e; }}
.thought {{ border-left: 3px solid #d2d2d7; background: #f7f7f9; color: #6e6e73; font-size: 15px;
  padding: 6px 13px; margin: 3px 0 13px; border-radius: 0 8px 8px 0; }}
.thought summary, .thought .title {{ cursor: pointer; font-size: 14px; font-weight: 600; }}
.thought .body {{ margin-top: 5px; }} .thought .code {{ color: inherit; }}
.status {{ color: #6e6e73; font-style: italic; font-size: 14px; }}
.path {{ margin: 8px 0; padding: 4px 12px; border: 1px solid #d2d2d7; border-radius: 8px; }}
.path summary {{ cursor: pointer; font-size: 14px; color: #6e6e73; }}
a {{ color: #0b57d0; }}
{page_css()}
:root {{ color-scheme: light dark; }}
.body > :first-child {{ margin-top: 0; }} .body > :last-child {{ margin-bottom: 0; }}
@media (prefers-color-scheme: dark) {{
  body {{ color: #f5f5f7; background: #1c1c1e; }} .meta, .status, .body blockquote {{ color: #a1a1a6; }}
  .msg.user, .msg.system {{ background: #2c2c2e; }}
  .thought {{ background: #242426; color: #a1a1a6; border-color: #3a3a3c; }}
  .body th, .body td, .body blockquote, .body hr {{ border-color: #3a3a3c; }} .body th {{ background: #2c2c2e; }}
  code {{ background: #2d333b; }} .code {{ background: #272822; color: #f8f8f2; }}
  a {{ color: #74c0fc; }}
{page_css(dark=True)}}}
@media print {{ body {{ max-width: none; margin: 0; }} .msg {{ break-inside: avoid-page; }}
  details.thought > :not(summary) {{ display: block; }} a {{ color: inherit; text-decoration: none; }} }}
"""


def plain_html(text: str) -> str:
    """Text shown as typed (a question, the system prompt): escaped, line breaks kept."""
    return f'<div class="text">{html.escape(text.strip(chr(10)))}</div>'


def markdown_html(text: str) -> str:
    """Model text as the window shows it: the same Markdown, math and highlighting, escaped and inert."""
    return f'<div class="body">\n{render_markdown_page(text)}</div>'


def _thought_html(m: MessageRecord, thinking: ThinkingExport) -> str:
    if not m.thinking or thinking is ThinkingExport.OMIT:
        return ""
    body = markdown_html(m.thinking)
    title = html.escape(thought_title(m))
    if thinking is ThinkingExport.COLLAPSE:
        return f'<details class="thought"><summary>{title}</summary>\n{body}\n</details>'
    return f'<div class="thought"><div class="title">{title}</div>\n{body}\n</div>'


def to_html(conv: ConversationRecord, thinking: ThinkingExport) -> str:
    rows = []
    if conv.system_prompt:
        rows.append(f'<div class="msg system"><div class="role">System</div>{plain_html(conv.system_prompt)}</div>')
    for m in conv.path_messages:
        status = STATUS_NOTES.get(m.status)
        body = markdown_html(answer_text(m)) if m.role is Role.ASSISTANT else plain_html(m.content)
        vote, others = other_paths(conv, m)
        paths = ""
        if vote:
            paths = f'\n<div class="status">{html.escape(vote_line(vote))}</div>' + "".join(
                f'\n<details class="path"><summary>{html.escape(f"Path {i}: {final}" if final else f"Path {i}")}'
                f"</summary>\n{_thought_html(other, thinking)}\n{markdown_html(answer_text(other))}\n</details>"
                for i, other, final in others)
        rows.append(
            f'<div class="msg {m.role.value}"><div class="role">{ROLE_NAMES[m.role]}</div>\n'
            f"{_thought_html(m, thinking)}\n{body}"
            + (f'\n<div class="status">{html.escape(status)}</div>' if status else "")
            + paths
            + "</div>"
        )
    meta = html.escape(f"Reasoner Desktop {__version__} · {conv.model or 'unknown model'} · {_stamp(conv.updated_at)}")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
        # Nothing in this file may load or run anything: no scripts, no remote images, no fonts,
        # no base URL for relative links, no form submissions.
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(conv.title)}</title>\n<style>{HTML_CSS}</style></head>\n<body>\n"
        f"<h1 class=\"title\">{html.escape(conv.title)}</h1>\n<div class=\"meta\">{meta}</div>\n"
        + "\n".join(rows) + "\n</body></html>\n"
    )
