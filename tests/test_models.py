"""Model library and Hugging Face downloads: the real huggingface_hub code against a local
server that speaks the hub's API (HF_ENDPOINT), serving the bundled SmolLM2 under a fake repo."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from reasoner_desktop.domain.events import AnswerDelta
from reasoner_desktop.domain.messages import ChatMessage, Role, ThinkingMode
from reasoner_desktop.inference import hub
from reasoner_desktop.inference.engine import GenerationRequest, LlamaEngine, Sampling
from reasoner_desktop.inference.library import LibraryError, ModelLibrary, engine_settings_for, recommended_models
from tests.conftest import PYTHON, cli_env

from tests.conftest import HUB_FILE as FILE
from tests.conftest import HUB_REPO as REPO


def find(files, name):
    return next(f for f in files if f.name == name)


def test_search_and_list_files_with_quant_and_sha(fake_hub, model_sha):
    assert [h.repo_id for h in hub.search_gguf_repos("smollm2")] == [REPO]
    (f,) = hub.list_gguf_files(REPO)
    assert (f.name, f.quant, f.sha256[0]) == (FILE, "Q4_1", model_sha) and f.size > 90_000_000


def test_split_files_are_grouped_and_suggestion_fits_memory(fake_hub):
    files = hub.list_gguf_files("test-org/Big-GGUF")
    big = find(files, "Big-Q8_0.gguf")
    assert big.parts == ("Big-Q8_0-00001-of-00002.gguf", "Big-Q8_0-00002-of-00002.gguf")
    assert big.quant == "Q8_0" and big.size == 3008
    assert hub.suggest(files, 2**40) is big
    assert hub.suggest(files, 512 * 2**20 + 700).name == "Big-Q2_K.gguf"
    assert hub.suggest(files, 1000) is None


def test_download_with_progress_then_the_model_loads_and_answers(fake_hub, tmp_path, model_sha):
    library = ModelLibrary(tmp_path / "data")
    (f,) = hub.list_gguf_files(REPO)
    events = []
    result = hub.download(REPO, f, library.download_dir(REPO), progress=events.append)
    assert result.sha256 == [model_sha] and result.resumed_from == 0
    done = [e.done for e in events]
    assert done == sorted(done) and events[-1].phase == "done" and events[-1].done == events[-1].total == f.size
    assert any(e.phase == "downloading" and 0 < e.done < f.size for e in events)
    assert any(e.phase == "verifying" for e in events)
    entry = library.add_downloaded(result.path, REPO, f.name, result.sha256[0])
    engine = LlamaEngine(entry.path)
    try:
        events = list(engine.stream(GenerationRequest([ChatMessage(Role.USER, "Say hi.")], mode=ThinkingMode.OFF,
                                                      max_tokens=12, sampling=Sampling(temperature=0))))
        assert "".join(e.text for e in events if isinstance(e, AnswerDelta)).strip()
    finally:
        engine.close()


def test_cancel_then_resume_does_not_start_over(fake_hub, tmp_path, model_sha):
    fake_hub.chunk_delay = 0.002
    (f,) = hub.list_gguf_files(REPO)
    dest = tmp_path / "models"
    seen = []
    with pytest.raises(hub.DownloadCancelled, match="can be resumed"):
        hub.download(REPO, f, dest, progress=seen.append, cancel=lambda: bool(seen) and seen[-1].done > 30 * 2**20)
    part = dest / (FILE + hub.PART_SUFFIX)
    kept = part.stat().st_size
    assert 30 * 2**20 < kept < f.size and not (dest / FILE).exists()
    fake_hub.chunk_delay = 0
    requests_before = len(fake_hub.bodies)
    result = hub.download(REPO, f, dest)
    assert result.resumed_from == kept and fake_hub.range_starts[-1] == kept
    # one more GET, ranged at what was kept, and it carried only the rest of the file
    # (counted per request: the cancelled response may still be draining on the server)
    assert fake_hub.bodies[requests_before:] == [[kept, f.size - kept]]
    assert result.sha256 == [model_sha] and (dest / FILE).stat().st_size == f.size and not part.exists()


def test_a_wrong_checksum_is_rejected_and_the_file_not_used(fake_hub, tmp_path):
    fake_hub.wrong_sha = True
    library = ModelLibrary(tmp_path / "data")
    (f,) = hub.list_gguf_files(REPO)
    dest = library.download_dir(REPO)
    with pytest.raises(hub.ChecksumMismatch, match="does not match the checksum .* not used"):
        hub.download(REPO, f, dest)
    assert not list(dest.iterdir())  # neither the file nor its partial copy stays
    assert [e.source for e in library.entries()] == ["bundled"]


def test_hub_down_gives_one_clear_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    started = time.monotonic()
    for call in (lambda: hub.search_gguf_repos("qwen"), lambda: hub.list_gguf_files("Qwen/Qwen3-0.6B-GGUF")):
        with pytest.raises(hub.HubUnavailable) as info:
            call()
        assert str(info.value) == hub.UNREACHABLE
    assert time.monotonic() - started < 15


def test_not_enough_disk_is_refused_before_downloading(fake_hub, tmp_path, monkeypatch):
    (f,) = hub.list_gguf_files(REPO)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(hub.NotEnoughDisk, match="Not enough disk space"):
        hub.download(REPO, f, tmp_path / "models")
    assert fake_hub.bytes_served == 0


def test_library_add_remove_and_per_model_settings(tmp_path, model_path):
    library = ModelLibrary(tmp_path / "data")
    copy = tmp_path / "elsewhere" / "my-model.gguf"
    copy.parent.mkdir()
    shutil.copy(model_path, copy)
    entry = library.add(copy)
    assert library.add(copy) == entry  # adding twice changes nothing
    library.set_settings(entry.name, {"n_ctx": 1024, "reasoning_format": "think"})
    library.set_settings(library.entries()[0].name, {"n_gpu_layers": -1})
    reopened = ModelLibrary(tmp_path / "data")  # a restart
    settings = engine_settings_for(reopened.get("my-model"))
    assert settings.n_ctx == 1024 and settings.reasoning_format.value == "think"
    assert engine_settings_for(reopened.entries()[0]).n_gpu_layers == -1
    assert reopened.resolve("my-model")[0] == copy.resolve()
    with pytest.raises(LibraryError, match="cannot be removed"):
        reopened.remove(reopened.entries()[0].name)
    reopened.remove("my-model")
    assert copy.exists() and reopened.get("my-model") is None  # an added file stays on disk
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"nope")
    with pytest.raises(Exception, match="Not a GGUF"):
        reopened.add(bad)


def test_per_model_sampling_overrides_the_family_preset_and_bad_values_are_refused(tmp_path, engine):
    library = ModelLibrary(tmp_path / "data")
    name = library.entries()[0].name
    library.set_settings(name, {"sampling": {"temperature": 0.2, "top_k": 5}, "n_ctx": 2048})
    settings = engine_settings_for(ModelLibrary(tmp_path / "data").get(name))
    assert settings.sampling == {"temperature": 0.2, "top_k": 5}
    preset = engine.recommended_sampling()
    engine.settings.sampling = settings.sampling
    try:
        tuned = engine.recommended_sampling()
    finally:
        engine.settings.sampling = {}
    assert (tuned.temperature, tuned.top_k, tuned.top_p) == (0.2, 5, preset.top_p)
    for bad, message in [({"n_ctx": -5}, "n_ctx must be"), ({"sampling": {"temperature": 9}}, "temperature must be"),
                         ({"sampling": {"heat": 1}}, "Unknown sampling setting"), ({"colour": 1}, "Unknown model"),
                         ({"reasoning_format": "xml"}, "Unknown reasoning format"), ({"think_tags": ["<a>"]}, "two")]:
        with pytest.raises(LibraryError, match=message):
            library.set_settings(name, bad)
    assert library.get(name).settings["n_ctx"] == 2048  # a refused change leaves the rest alone
    library.set_settings(name, {"n_ctx": None, "sampling": {}})  # None / empty forgets
    assert library.get(name).settings == {}


def test_a_download_the_list_never_recorded_is_still_found(tmp_path, model_path):
    library = ModelLibrary(tmp_path / "data")
    folder = library.download_dir(REPO)
    folder.mkdir(parents=True)
    shutil.copy(model_path, folder / FILE)  # as if the app died right after the file landed
    (folder / "Other.gguf.part").write_bytes(b"GGUF")  # an unfinished download is not a model
    (found,) = [e for e in library.entries() if e.source == "downloaded"]
    assert (found.repo_id, found.filename, Path(found.path)) == (REPO, FILE, folder / FILE)
    assert found.name != library.entries()[0].name  # distinct from the bundled model of the same name
    library.set_settings(found.name, {"n_ctx": 512})  # now it is recorded too
    assert json.loads((tmp_path / "data" / "models.json").read_text())["models"][0]["settings"] == {"n_ctx": 512}
    library.remove(found.name)
    assert not (folder / FILE).exists() and [e.source for e in library.entries()] == ["bundled"]


def test_recommended_list_is_well_formed():
    rows = recommended_models()
    assert len(rows) >= 6 and all(r["file"].endswith(".gguf") and "/" in r["repo_id"] for r in rows)
    assert {r["format"] for r in rows} >= {"think", "harmony"}


@pytest.mark.model
def test_cli_models_download_list_after_restart_and_ask(fake_hub, data_dir, tmp_path, model_path):
    env = cli_env(data_dir)

    def cli(*args):
        return subprocess.run([PYTHON, "-m", "reasoner_desktop", *args], capture_output=True, text=True, env=env,
                              timeout=120)

    listing = cli("models", "download", REPO, "--list")
    assert listing.returncode == 0 and "Q4_1" in listing.stdout
    dl = cli("models", "download", REPO, "--quant", "Q4_1")
    assert dl.returncode == 0, dl.stderr
    copy = tmp_path / "mine.gguf"
    shutil.copy(model_path, copy)
    assert cli("models", "add", str(copy)).returncode == 0
    rows = json.loads(cli("models", "list", "--json").stdout)  # a new process: after a restart
    by_source = {r["source"]: r for r in rows}
    assert set(by_source) == {"bundled", "added", "downloaded"}
    for r in rows:
        assert r["architecture"] == "llama" and r["quantization"] == "Q4_1" and r["context_length"] == 8192
        assert r["chat_template"] is True and r["reasoning_format"] == "none" and r["size_bytes"] > 9e7
    assert by_source["downloaded"]["repo_id"] == REPO and len(by_source["downloaded"]["sha256"]) == 64
    name = by_source["downloaded"]["name"]
    tuned = cli("models", "set", name, "--temperature", "0.3", "--ctx", "1024", "--think-tags", "<r>", "</r>")
    assert tuned.returncode == 0, tuned.stderr
    assert cli("models", "set", name, "--top-k", "7").returncode == 0  # adds to what was set
    bad = cli("models", "set", name, "--temperature", "42")
    assert bad.returncode == 2 and "temperature must be a number from 0.0 to 5.0" in bad.stderr
    row = next(r for r in json.loads(cli("models", "list", "--json").stdout) if r["name"] == name)
    assert row["settings"] == {"n_ctx": 1024, "think_tags": ["<r>", "</r>"],
                               "sampling": {"temperature": 0.3, "top_k": 7}}
    assert "settings:" in cli("models", "list").stdout
    reset = cli("models", "set", name, "--reset")
    assert reset.returncode == 0 and "default settings" in reset.stdout
    ans = cli("ask", "Hi", "--model", by_source["downloaded"]["name"], "--no-think", "--max-tokens", "8", "--json")
    assert ans.returncode == 0 and json.loads(ans.stdout)["model"] == FILE
    gone = cli("models", "remove", by_source["downloaded"]["name"])
    assert gone.returncode == 0 and not list((data_dir / "models").glob("**/*.gguf"))  # its file is deleted
    down = subprocess.run([PYTHON, "-m", "reasoner_desktop", "models", "search", "qwen"], capture_output=True,
                          text=True, env={**env, "HF_ENDPOINT": "http://127.0.0.1:9"}, timeout=60)
    assert down.returncode == 2 and down.stderr.strip() == f"reasoner-desktop: {hub.UNREACHABLE}"
