"""Markdown, plain text and self-contained HTML documents of a conversation's active branch."""

from __future__ import annotations

import html
from datetime import datetime

from reasoner_desktop import __version__
from reasoner_desktop.domain.history import ConversationRecord, MessageRecord
from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.code_blocks import split_code
from reasoner_desktop.export.options import ThinkingExport

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
        out += [m.content, ""]
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
        out += [_indent(m.content), ""]
    return "\n".join(out).rstrip() + "\n"


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.splitlines())


# -- HTML -------------------------------------------------------------------------------

HTML_CSS = """
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #ffffff; --muted: #6e6e73; --user: #f2f2f7;
  --thought: #f7f7f9; --border: #d2d2d7; --code: #f5f5f7; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --bg: #1c1c1e; --muted: #a1a1a6; --user: #2c2c2e;
  --thought: #242426; --border: #3a3a3c; --code: #2c2c2e; } }
body { font: 16px/1.55 -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  color: var(--fg); background: var(--bg); max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } .meta { color: var(--muted); margin-bottom: 2rem; }
.msg { margin: 1.2rem 0; padding: .8rem 1rem; border-radius: 12px; }
.msg.user { background: var(--user); } .role { font-weight: 600; margin-bottom: .3rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
pre { background: var(--code); padding: .7rem; border-radius: 8px; overflow-x: auto;
  font: 14px/1.45 ui-monospace, "SF Mono", Menlo, Consolas, "Noto Sans Mono", monospace; white-space: pre-wrap; }
.thought { border-left: 3px solid var(--border); background: var(--thought); color: var(--muted);
  padding: .4rem .8rem; margin: .2rem 0 .8rem; border-radius: 0 8px 8px 0; }
.thought summary, .thought .title { cursor: pointer; font-size: .9rem; font-weight: 600; }
.status { color: var(--muted); font-style: italic; font-size: .9rem; }
@media print { body { max-width: none; margin: 0; } .msg { break-inside: avoid-page; }
  details.thought > :not(summary) { display: block; } a { color: inherit; text-decoration: none; } }
"""


def render_text_html(text: str) -> str:
    """Escaped model text: prose keeps its line breaks, fenced code is a <pre>. Nothing is live."""
    parts = []
    for is_code, chunk in split_code(text):
        if is_code:
            parts.append(f"<pre><code>{html.escape(chunk)}</code></pre>")
        else:
            parts.append(f'<div class="text">{html.escape(chunk.strip(chr(10)))}</div>')
    return "\n".join(parts)


def _thought_html(m: MessageRecord, thinking: ThinkingExport) -> str:
    if not m.thinking or thinking is ThinkingExport.OMIT:
        return ""
    body = render_text_html(m.thinking)
    title = html.escape(thought_title(m))
    if thinking is ThinkingExport.COLLAPSE:
        return f'<details class="thought"><summary>{title}</summary>\n{body}\n</details>'
    return f'<div class="thought"><div class="title">{title}</div>\n{body}\n</div>'


def to_html(conv: ConversationRecord, thinking: ThinkingExport) -> str:
    rows = []
    if conv.system_prompt:
        rows.append(f'<div class="msg system"><div class="role">System</div>{render_text_html(conv.system_prompt)}</div>')
    for m in conv.path_messages:
        status = STATUS_NOTES.get(m.status)
        rows.append(
            f'<div class="msg {m.role.value}"><div class="role">{ROLE_NAMES[m.role]}</div>\n'
            f"{_thought_html(m, thinking)}\n{render_text_html(m.content)}"
            + (f'\n<div class="status">{html.escape(status)}</div>' if status else "")
            + "</div>"
        )
    meta = html.escape(f"Reasoner Desktop {__version__} · {conv.model or 'unknown model'} · {_stamp(conv.updated_at)}")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
        # Nothing in this file may load or run anything: no scripts, no remote images, no fonts.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(conv.title)}</title>\n<style>{HTML_CSS}</style></head>\n<body>\n"
        f"<h1>{html.escape(conv.title)}</h1>\n<div class=\"meta\">{meta}</div>\n" + "\n".join(rows) + "\n</body></html>\n"
    )
