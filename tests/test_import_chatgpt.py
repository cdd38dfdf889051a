"""ChatGPT imports that broke on real export files (issue 18): long chats, loops, DeepSeek's look-alike,
parent-only trees, odd types and times, id-less conversations, the .zip, one conversation, interrupted
answers, code interpreter, images."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest

from reasoner_desktop.domain.messages import MessageStatus, Role
from reasoner_desktop.export.options import ImportFormatError
from reasoner_desktop.services.importing import import_paths
from reasoner_desktop.storage.repository import open_history
from tests.chatgpt_gen import long_chat, node, text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def repo(tmp_path):
    return open_history(tmp_path / "history.db")


def write(tmp_path: Path, data, name: str = "conversations.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def conversations(repo):
    return [repo.get_conversation(c.id) for c in repo.list_conversations()]


def test_a_long_chat_imports_whole_without_recursion(repo, tmp_path):
    data = [long_chat(1000)]  # 6,001 nodes on one branch: the old importer raised RecursionError at ~1,000
    (report,) = import_paths(repo, [write(tmp_path, data)])
    (conv,) = conversations(repo)
    path = conv.path_messages
    assert [m.role for m in path[:2]] == [Role.USER, Role.ASSISTANT] and len(path) == 2000
    assert report.stats.messages == 2000 and report.stats.thoughts == 1000 and report.stats.branches == 0
    answer = path[-1]
    assert answer.content == "```\nprint(999*999)\n```\n\nOutput:\n\n```\n998001\n```\n\n999 squared is 998001."
    assert answer.thinking == "**Squaring**\n\n999 times 999 is 998001." and answer.model == "o3"
    assert "code interpreter code and output are kept as code blocks" in report.line()


def test_a_loop_in_the_tree_is_one_sentence(repo, tmp_path):
    chat = long_chat(3)
    chat["mapping"]["root"]["parent"] = "a2"  # the last answer is now the root's parent: a loop
    chat["mapping"]["a2"]["children"] = ["root"]
    with pytest.raises(ImportFormatError, match="loops back on itself"):
        import_paths(repo, [write(tmp_path, [chat])])
    assert conversations(repo) == []


def test_deepseek_export_is_not_taken_for_chatgpt(repo, tmp_path):
    deepseek = [{"id": "d1", "title": "Hi", "inserted_at": "2025-02-01T10:00:00+08:00",
                 "updated_at": "2025-02-01T10:01:00+08:00", "mapping": {
                     "root": {"id": "root", "parent": None, "children": ["1"], "message": None},
                     "1": {"id": "1", "parent": "root", "children": [], "message": {
                         "files": [], "model": "deepseek-reasoner", "inserted_at": "2025-02-01T10:00:00+08:00",
                         "fragments": [{"type": "REQUEST", "content": "你好"}]}}}}]
    with pytest.raises(ImportFormatError) as info:
        import_paths(repo, [write(tmp_path, deepseek)], fmt="chatgpt")
    assert "does not look like a ChatGPT export" in str(info.value)
    assert conversations(repo) == []


def test_a_file_with_no_messages_says_so(repo, tmp_path):
    empty = long_chat(0)
    with pytest.raises(ImportFormatError, match="no messages were found in it; nothing was imported"):
        import_paths(repo, [write(tmp_path, [empty])])
    (report,) = import_paths(repo, [write(tmp_path, [empty, long_chat(2, conversation_id="two")])])
    assert len(report.imported) == 1 and "skipped “Long chat” (no messages in it)" in report.line()


def test_trees_linked_by_parent_only_import(repo, tmp_path):
    chat = long_chat(3)
    for n in chat["mapping"].values():
        n.pop("children")
    import_paths(repo, [write(tmp_path, [chat])])
    (conv,) = conversations(repo)
    assert len(conv.path_messages) == 6 and conv.path_messages[-1].content.endswith("2 squared is 4.")


@pytest.mark.parametrize("change, check", [
    ("author string", lambda c: c.path_messages[0].role is Role.USER),
    ("milliseconds", lambda c: c.path_messages[0].created_at.year == 2024),
    ("absurd time", lambda c: c.path_messages[0].created_at.year == 2024),  # the conversation's time instead
])
def test_odd_values_do_not_break_the_import(repo, tmp_path, change, check):
    chat = long_chat(2)
    first = chat["mapping"]["u0"]["message"]
    if change == "author string":
        first["author"] = "user"
    elif change == "milliseconds":
        first["create_time"] = 1_730_000_001_000
    else:
        first["create_time"] = 1e300
        chat["mapping"]["u1"]["message"]["create_time"] = "not a time"
    import_paths(repo, [write(tmp_path, [chat])])
    (conv,) = conversations(repo)
    assert check(conv)


def test_deep_nesting_is_one_sentence(repo, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000, encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        import_paths(repo, [path])
    assert str(info.value) in ("deep.json is nested too deeply to be a chat export.",
                               "deep.json is not valid JSON (line 1: Expecting value); it may be truncated.")


def test_conversations_without_ids_are_told_apart_by_content(repo, tmp_path):
    a = write(tmp_path, [long_chat(1, title="A", conversation_id=None)], "a.json")
    b = write(tmp_path, [long_chat(2, title="B", conversation_id=None)], "b.json")
    (ra,), (rb,) = import_paths(repo, [a]), import_paths(repo, [b])
    assert len(ra.imported) == len(rb.imported) == 1  # before: "Skipped 1 already in the history"
    (again,) = import_paths(repo, [a])
    assert again.imported == [] and again.already == ["A"]


def test_the_downloaded_zip_and_a_single_conversation(repo, tmp_path):
    data = json.loads((FIXTURES / "chatgpt_conversations.json").read_text(encoding="utf-8"))
    z = tmp_path / "chatgpt-export.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", json.dumps(data))
        zf.writestr("chat.html", "<html></html>")
        zf.writestr("user.json", "{}")
    (report,) = import_paths(repo, [z])
    assert report.label == "ChatGPT" and report.stats.branches == 1 and report.stats.thoughts == 1
    one = copy.deepcopy(data[0])
    one["conversation_id"] = "another"
    (single,) = import_paths(repo, [write(tmp_path, one, "one.json")])  # an object, not a list
    assert len(single.imported) == 1 and len(conversations(repo)) == 2


def test_interrupted_answers_code_and_images_are_kept(repo, tmp_path):
    m = {"root": node("root", None, ["u"], None),
         "u": node("u", "root", ["a"], "user", {"content_type": "multimodal_text", "parts": [
             {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-abc", "width": 10}]}),
         "a": node("a", "u", ["u2"], "assistant", text("A cat on a mat, and"),
                   finish_details={"type": "interrupted"}),
         "u2": node("u2", "a", [], "user", {"content_type": "multimodal_text", "parts": [
             "What about this one?", {"content_type": "image_asset_pointer", "asset_pointer": "file-service://x"}]})}
    chat = {"title": "Pictures", "create_time": 1_730_000_000, "mapping": m, "current_node": "u2", "id": "pics"}
    (report,) = import_paths(repo, [write(tmp_path, [chat])])
    (conv,) = conversations(repo)
    assert [msg.content for msg in conv.path_messages] == ["[image]", "A cat on a mat, and",
                                                          "What about this one?\n[image]"]
    assert conv.path_messages[1].status is MessageStatus.INTERRUPTED
    assert "images are kept as an [image] placeholder" in report.line()
