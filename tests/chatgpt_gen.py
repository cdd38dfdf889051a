"""ChatGPT conversations.json shapes, generated: long single-branch chats with hidden, tool and thought
nodes in between (what long code-interpreter chats look like), for tests and the import benchmark."""

from __future__ import annotations


def node(nid: str, parent: str | None, children: list[str], role: str | None, content: dict | None = None, *,
         t: float = 1_730_000_000.0, hidden: bool = False, **meta) -> dict:
    message = None
    if role is not None:
        metadata = dict(meta)
        if hidden:
            metadata["is_visually_hidden_from_conversation"] = True
        message = {"id": nid, "author": {"role": role, "name": None, "metadata": {}}, "create_time": t,
                   "update_time": None, "content": content or {"content_type": "text", "parts": [""]},
                   "status": "finished_successfully", "end_turn": True, "weight": 1.0, "metadata": metadata,
                   "recipient": "all"}
    return {"id": nid, "message": message, "parent": parent, "children": children}


def text(s: str) -> dict:
    return {"content_type": "text", "parts": [s]}


def long_chat(turns: int, *, title: str = "Long chat", conversation_id: str | None = "long-1") -> dict:
    """`turns` exchanges, each: user, hidden tool context, o1 thought, assistant code, its output, the answer
    (6 nodes a turn), on one branch."""
    mapping: dict = {"root": node("root", None, [], None)}
    order = ["root"]
    t = 1_730_000_000.0

    def add(nid: str, role: str, content: dict, **kw) -> None:
        nonlocal t
        t += 1
        parent = order[-1]
        mapping[parent]["children"].append(nid)
        mapping[nid] = node(nid, parent, [], role, content, t=t, **kw)
        order.append(nid)

    for i in range(turns):
        add(f"u{i}", "user", text(f"Question {i}: what is {i} squared?"))
        add(f"h{i}", "tool", text("hidden context"), hidden=True)
        add(f"th{i}", "assistant", {"content_type": "thoughts", "thoughts": [
            {"summary": "Squaring", "content": f"{i} times {i} is {i * i}.", "finished": True}],
            "source_analysis_msg_id": "x"})
        add(f"c{i}", "assistant", {"content_type": "code", "language": "unknown", "text": f"print({i}*{i})"},
            model_slug="o3")
        add(f"o{i}", "tool", {"content_type": "execution_output", "text": str(i * i)})
        add(f"a{i}", "assistant", text(f"{i} squared is {i * i}."), model_slug="o3")
    conv = {"title": title, "create_time": 1_730_000_000.0, "update_time": t, "mapping": mapping,
            "current_node": order[-1], "moderation_results": [], "default_model_slug": "o3"}
    if conversation_id:
        conv["conversation_id"] = conversation_id
        conv["id"] = conversation_id
    return conv
