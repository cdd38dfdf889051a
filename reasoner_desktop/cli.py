"""Command line: `reasoner-desktop [--data-dir DIR] [gui|ask|history] ...`.

Headless commands use the same services as the GUI. Errors a user can cause print one
line on stderr and exit with code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from reasoner_desktop import __version__, cli_models
from reasoner_desktop.config import DB_FILENAME, ensure_data_dir, resolve_data_dir
from reasoner_desktop.domain.reasoning import ReasoningFormat
from reasoner_desktop.export.options import ExportError, ExportFormat, ImportFormatError, ThinkingExport

EXIT_USAGE = 2


class UserError(Exception):
    """Something the user can fix; printed as one line, exit code 2."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _load_examples(path: str):
    from reasoner_desktop.services.examples import load_examples_file

    try:
        return load_examples_file(path)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reasoner-desktop", description="Offline chat with local reasoning models.")
    p.add_argument("--version", action="store_true", help="print the version and exit (with --verbose: the "
                   "llama.cpp build, its backends and whether it can offload to a GPU)")
    p.add_argument("--verbose", action="store_true", help="also print the log (llama.cpp's included) on stderr")
    p.add_argument("--data-dir", metavar="DIR", help="where history and settings live "
                   "(default: $REASONER_DESKTOP_DATA_DIR or the platform's user data folder)")
    sub = p.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="start the desktop app (the default)")
    gui.add_argument("--model", metavar="PATH", help="GGUF file to load (default: the bundled SmolLM2)")

    ask = sub.add_parser("ask", help="ask one question, stream the thought and answer, store the exchange")
    ask.add_argument("prompt", nargs="?", default="", help="the question (not with --think-longer)")
    ask.add_argument("--model", metavar="NAME|PATH", help="a model from `models list`, or any GGUF file "
                     "(default: the bundled SmolLM2)")
    think = ask.add_mutually_exclusive_group()
    think.add_argument("--thinking", choices=["auto", "off", "prompted"],
                       help="auto: a reasoning model thinks natively; off: ask it not to; prompted: instruct any "
                       "model to think step by step first (default: auto for reasoning models, else prompted)")
    think.add_argument("--think", action="store_true", help="make the model think first (prompted thinking "
                       "for models that do not think natively)")
    think.add_argument("--no-think", action="store_true", help="same as --thinking off")
    ask.add_argument("--continue", dest="conversation", type=int, metavar="CONVERSATION_ID",
                     help="add the question to an existing conversation")
    ask.add_argument("--max-thinking", type=_positive, metavar="N", help="close the thought after N tokens")
    ask.add_argument("--budget-message", metavar="TEXT",
                     help='written into the thought when --max-thinking cuts it, e.g. "Time is up; answering now."')
    ask.add_argument("--min-thinking", type=_positive, metavar="N", help='think longer: replace an early end of '
                     'the thought with "Wait" until N thinking tokens')
    ask.add_argument("--max-extensions", type=_positive, default=8, metavar="N",
                     help="at most N Wait extensions (default 8)")
    ask.add_argument("--effort", choices=["low", "medium", "high"], help="reasoning effort (gpt-oss)")
    ask.add_argument("--examples", metavar="FILE.json|liked", help="worked examples for prompted thinking: a JSON "
                     'list of {"question", "thought", "answer"}, or "liked": your thumbs-up answers to the most '
                     "similar questions (Auto-CoT from your history)")
    ask.add_argument("--k", type=_positive, default=3, metavar="N", help="with --examples liked: how many (default 3)")
    ask.add_argument("--keep-thoughts", action="store_true", help="this turn sees the earlier answers' thoughts")
    ask.add_argument("--think-longer", type=int, metavar="MESSAGE_ID", help="go on from that answer's thought "
                     '("Wait", at least --min-thinking more tokens, default 512) and answer again beside it')
    ask.add_argument("--max-tokens", type=_positive, metavar="N",
                     help="cap on generated tokens (default: until the context window is full)")
    ask.add_argument("--temperature", type=float, help="sampling temperature (default: the model's recommended)")
    ask.add_argument("--seed", type=int, help="sampling seed, for repeatable answers")
    ask.add_argument("--samples", type=_paths, default=1, metavar="N",
                     help="reasoning paths decoded together (1-16); their final answers are put to a vote and the "
                     "winner is the answer (the others are kept as branches)")
    ask.add_argument("--ctx", type=_positive, metavar="N", help="context length in tokens (capped at the "
                     "model's trained length; default: the model's setting, else the largest that fits in memory, "
                     "up to 32k)")
    ask.add_argument("--gpu-layers", type=int, metavar="N", help="layers to offload to the GPU (-1: all)")
    ask.add_argument("--threads", type=_positive, metavar="N", help="CPU threads for generation (default: one "
                     "per physical performance core)")
    ask.add_argument("--reasoning-format", choices=[f.value for f in ReasoningFormat],
                     help="override the thinking format guessed from the chat template")
    ask.add_argument("--think-tags", nargs=2, metavar=("OPEN", "CLOSE"),
                     help="custom thought delimiters (implies --reasoning-format custom)")
    ask.add_argument("--json", action="store_true", help="print one JSON object instead of streaming text")

    hist = sub.add_parser("history", help="list stored conversations; `history keep-thought MESSAGE_ID on|off` "
                          "keeps an answer's thought in (or out of) the context of later questions")
    hist.add_argument("target", nargs="*", metavar="ID | keep-thought MESSAGE_ID on|off",
                      help="only this conversation")
    hist.add_argument("--json", action="store_true", help="conversations with their messages as JSON")
    search = sub.add_parser("search", help="full-text search over stored answers (and thoughts)")
    search.add_argument("query")
    search.add_argument("--thoughts", action="store_true", help="also search inside the chains of thought")
    search.add_argument("--limit", type=_positive, default=20, metavar="N")
    search.add_argument("--json", action="store_true", help="results as JSON")

    exp = sub.add_parser("export", help="export conversations to md, json, html, pdf or txt")
    exp.add_argument("ids", nargs="*", type=int, metavar="ID", help="conversations to export")
    exp.add_argument("--all", action="store_true", help="export every conversation")
    exp.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])
    exp.add_argument("--thinking", default="include", choices=[t.value for t in ThinkingExport],
                     help="include the chains of thought, fold them (HTML/Markdown <details>), or leave them out")
    exp.add_argument("-o", "--output", required=True, metavar="PATH", help="a file for one conversation; for "
                     "several a folder, a .zip, or (JSON) one .json file")
    exp.add_argument("--force", action="store_true", help="overwrite existing files")

    imp = sub.add_parser("import", help="import chats exported from Reasoner Desktop, ChatGPT (conversations.json "
                         "or its .zip), Claude, DeepSeek, Open WebUI, LM Studio or Jan")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--format", dest="import_format", metavar="NAME",
                     help="skip detection: reasoner-desktop, chatgpt, claude, deepseek, openwebui, lmstudio, jan")
    imp.add_argument("--duplicate", action="store_true", help="import conversations that are already here again")

    ds = sub.add_parser("dataset", help="JSONL of (prompt, thought, answer) for thumbs-up answers (STaR)")
    ds.add_argument("-o", "--output", required=True, metavar="FILE.jsonl")
    ds.add_argument("--form", choices=["plain", "chat"], default="plain",
                    help="plain fields, or chat messages with reasoning_content")
    ds.add_argument("--force", action="store_true", help="overwrite an existing file")
    ev = sub.add_parser("eval", help="the scaling lab: accuracy against compute for more paths and longer "
                        "thinking, on generated problems with exact answers (nothing is stored)")
    ev.add_argument("--task", default="arithmetic", choices=["arithmetic", "word", "choice"])
    ev.add_argument("--n", type=_positive, default=40, metavar="N", help="problems (default 40)")
    ev.add_argument("--samples", type=_int_list(1, 16), default=(1, 4, 8), metavar="K,K,...",
                    help="paths per problem to compare (default 1,4,8)")
    ev.add_argument("--max-thinking", type=_int_list(0, 1_000_000), default=(0, 256, 1024), metavar="B,B,...",
                    help="thinking budgets to compare, 0 for no thinking (default 0,256,1024)")
    ev.add_argument("--seed", type=int, default=0, help="which problems, and the sampling seeds")
    ev.add_argument("--temperature", type=float, default=0.7)
    ev.add_argument("--model", help="a model from the library, or a GGUF path (default: the last used)")
    ev.add_argument("--ctx", type=_positive, metavar="N", help="context length in tokens")
    ev.add_argument("--json", action="store_true", help="the cells as JSON")
    ev.add_argument("--plot", metavar="FILE.png", help="draw accuracy against tokens to a PNG")
    cli_models.add_parser(sub)
    from reasoner_desktop.server import serve as cli_serve  # uvicorn and starlette: imported only for `serve`

    cli_serve.add_parser(sub)
    return p


def _int_list(lo: int, hi: int):
    def parse(text: str) -> tuple[int, ...]:
        try:
            values = tuple(int(v) for v in text.split(",") if v.strip())
        except ValueError:
            values = ()
        if not values or any(not lo <= v <= hi for v in values):
            raise argparse.ArgumentTypeError(f"a comma-separated list of whole numbers from {lo} to {hi:,}, "
                                             f"not {text!r}")
        return tuple(dict.fromkeys(values))
    return parse


def _eval(args, data_dir: Path) -> int:
    from reasoner_desktop.services.evaluation import EvalConfig, run_eval

    path, settings = _resolve_model(args.model, data_dir)
    if not hasattr(settings, "n_gpu_layers") and (args.gpu_layers is not None or args.threads is not None
                                                  or args.think_tags or args.reasoning_format):
        raise UserError("--gpu-layers, --threads, --think-tags and --reasoning-format are for local models; "
                        "a remote model runs as its server is set up.")
    if args.ctx is not None:
        settings.n_ctx = args.ctx
    engine = _load_engine(path, settings)
    config = EvalConfig(task=args.task, n=args.n, samples=args.samples, max_thinking=args.max_thinking,
                        seed=args.seed, temperature=args.temperature)

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{done} / {total}", end="", file=sys.stderr, flush=True)

    from reasoner_desktop.inference.errors import GenerationError

    try:
        report = run_eval(engine, config, on_progress=progress)
    except GenerationError as exc:  # one sentence, as for ask
        raise UserError(str(exc)) from None
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if args.plot:
        from reasoner_desktop.ui.scaling_plot import save_plot

        try:
            save_plot(report, args.plot)
        except OSError as exc:
            raise UserError(str(exc)) from None
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"{report.model} · {config.task} · {config.n} problems")
        print(report.table())
        if args.plot:
            print(f"Chart: {args.plot}")
    return 0


def _version(verbose: bool, data_dir: Path) -> int:
    print(f"reasoner-desktop {__version__}")
    if verbose:  # what Help -> About shows
        import platform

        from reasoner_desktop.inference.llama_adapter import build_report
        from reasoner_desktop.inference.model_files import bundled_model_path

        print(f"python: {platform.python_version()} ({platform.system()} {platform.machine()})")
        for name, value in build_report():
            print(f"{name}: {value}")
        print(f"bundled model: {bundled_model_path(data_dir) or 'not installed (models get-starter)'}")
        print(f"data folder: {data_dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    if args.version:
        return _version(args.verbose, data_dir)
    command = args.command or "gui"
    from reasoner_desktop.logs import install_excepthook, setup_logging

    setup_logging(data_dir, verbose=args.verbose)
    if command != "gui":  # the GUI installs its own, which shows the sentence in the window
        install_excepthook(lambda sentence: print(f"reasoner-desktop: {sentence}", file=sys.stderr))
    try:
        if command == "gui":
            from reasoner_desktop.app import run_gui

            return run_gui(data_dir, Path(args.model) if getattr(args, "model", None) else None)
        if command == "ask":
            return _ask(args, data_dir)
        if command == "history":
            return _history(args, data_dir)
        if command == "search":
            return _search(args, data_dir)
        if command == "export":
            return _export(args, data_dir)
        if command == "import":
            return _import(args, data_dir)
        if command == "dataset":
            return _dataset(args, data_dir)
        if command == "eval":
            return _eval(args, data_dir)
        if command == "serve":
            return _serve(args, data_dir)
        if command == "models":
            return cli_models.run(args, data_dir, UserError)
    except UserError as exc:
        print(f"reasoner-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `history --json | head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the history could not be written (locked, disk full, read-only) or read
        from reasoner_desktop.storage.errors import DatabaseError  # here: no SQLAlchemy import at start-up

        if not isinstance(exc, DatabaseError):
            raise
        print(f"reasoner-desktop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE


def _open_repo(data_dir: Path, *, write: bool = False):
    """The history; one this user cannot write opens read-only, unless `write` (then: one sentence)."""
    from reasoner_desktop.storage.errors import READ_ONLY, DatabaseError, HistoryWriteError
    from reasoner_desktop.storage.repository import open_history

    try:
        repo = open_history(ensure_data_dir(data_dir) / DB_FILENAME)
    except DatabaseError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Cannot use the data folder {data_dir}: {exc.strerror or exc}") from None
    for notice in repo.startup_notices:
        print(f"reasoner-desktop: {notice}", file=sys.stderr)
    if write and repo.read_only:
        raise UserError(str(HistoryWriteError(READ_ONLY, repo.path)))
    return repo


def _resolve_model(model: str | None, data_dir: Path):
    """(path, remembered EngineSettings) for a library name, a GGUF path, or the bundled model."""
    from reasoner_desktop.inference.library import LibraryError, ModelLibrary, engine_settings_for

    try:
        path, entry = ModelLibrary(data_dir).resolve(model)
    except LibraryError as exc:
        raise UserError(str(exc)) from None
    return path, engine_settings_for(entry, data_dir)


def _load_engine(path: Path, settings):
    from reasoner_desktop.inference.engine import LlamaEngine
    from reasoner_desktop.inference.errors import ModelLoadError
    from reasoner_desktop.inference.remote import RemoteEngine, RemoteSettings

    try:
        if isinstance(settings, RemoteSettings):
            return RemoteEngine(settings.name or settings.model, settings)
        return LlamaEngine(path, settings)
    except ModelLoadError as exc:
        raise UserError(str(exc)) from None


def _serve(args, data_dir: Path) -> int:
    from reasoner_desktop.server import serve as cli_serve

    def load():
        path, settings = _resolve_model(args.model, data_dir)
        return _load_engine(path, settings)

    return cli_serve.run(args, load, lambda: _open_repo(data_dir, write=True), UserError)


def _paths(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 16:
        raise argparse.ArgumentTypeError(f"paths must be a whole number from 1 to 16, not {text!r}")
    return n


def _ask(args, data_dir: Path) -> int:
    from reasoner_desktop.domain.events import AnswerDelta, ThinkingDelta
    from reasoner_desktop.domain.messages import MessageStatus, ThinkingMode
    from reasoner_desktop.services.chat import THINK_LONGER_DEFAULT, ChatService, TurnOptions

    if args.think_longer is not None and args.prompt.strip():
        raise UserError("--think-longer continues an answer: give its message id, not a question.")
    if args.think_longer is not None and (args.samples > 1 or args.conversation is not None or args.no_think
                                          or args.thinking == "off"):
        raise UserError("--think-longer goes on from one answer's thought: it takes no --samples, --continue "
                        "or --no-think.")
    if args.think_longer is None and not args.prompt.strip():
        raise UserError("The question is empty.")
    liked = args.examples == "liked"
    examples = _load_examples(args.examples) if args.examples and not liked else ()
    repo = _open_repo(data_dir, write=True)  # a read-only history fails before the model loads
    from reasoner_desktop.domain.reasoning import ThinkTags

    path, settings = _resolve_model(args.model, data_dir)
    if not hasattr(settings, "n_gpu_layers") and (args.gpu_layers is not None or args.threads is not None
                                                  or args.think_tags or args.reasoning_format):
        raise UserError("--gpu-layers, --threads, --think-tags and --reasoning-format are for local models; "
                        "a remote model runs as its server is set up.")
    if args.ctx is not None:
        settings.n_ctx = args.ctx
    if args.gpu_layers is not None:
        settings.n_gpu_layers = args.gpu_layers
    if args.threads is not None:
        settings.n_threads = args.threads
    if args.think_tags:
        settings.reasoning_format = ReasoningFormat.CUSTOM
        settings.custom_tags = ThinkTags(*args.think_tags)
    elif args.reasoning_format:
        settings.reasoning_format = ReasoningFormat(args.reasoning_format)
    engine = _load_engine(path, settings)
    mode = None
    if liked and args.thinking != "prompted" and (engine.thinks_natively or args.thinking or args.no_think):
        raise UserError("--examples liked is for prompted thinking; add --thinking prompted.")
    if args.thinking:
        mode = ThinkingMode(args.thinking)
    elif args.think:
        mode = ThinkingMode.AUTO if engine.thinks_natively else ThinkingMode.PROMPTED
    elif args.no_think:
        mode = ThinkingMode.OFF
    sampling = engine.recommended_sampling(mode)
    if args.temperature is not None:
        sampling.temperature = args.temperature
    if args.seed is not None:
        sampling.seed = args.seed
    options = TurnOptions(mode=mode, max_thinking_tokens=args.max_thinking, min_thinking_tokens=args.min_thinking,
                          budget_message=args.budget_message, max_tokens=args.max_tokens, sampling=sampling,
                          examples=examples, reasoning_effort=args.effort, samples=args.samples,
                          keep_thoughts=args.keep_thoughts, liked_examples=args.k if liked else 0)
    if args.conversation is not None and repo.get_conversation(args.conversation) is None:
        raise UserError(f"No conversation with id {args.conversation}.")

    out = sys.stdout
    tty = out.isatty()
    state = {"section": None}

    def on_event(event) -> None:
        if args.json or args.samples > 1:  # several paths: each one's final answer and the vote, at the end
            return
        section = "thinking" if isinstance(event, ThinkingDelta) else "answer" if isinstance(event, AnswerDelta) else None
        if section is None:
            return
        if section != state["section"]:
            if state["section"] is not None:
                out.write("\n\n")
            if section == "thinking":
                out.write("\x1b[2m" if tty else "")
                out.write("Thinking…\n")
            elif state["section"] == "thinking":
                out.write("\x1b[0m" if tty else "Answer:\n")
            state["section"] = section
        out.write(event.text)
        out.flush()

    from reasoner_desktop.inference.errors import GenerationError

    service = ChatService(repo, engine)
    try:
        if args.think_longer is not None:
            try:
                result = service.think_longer(args.think_longer, args.min_thinking or THINK_LONGER_DEFAULT, options,
                                              on_event=on_event)
            except KeyError:
                raise UserError(f"No answer with id {args.think_longer}.") from None
        else:
            result = service.run_turn(args.conversation, args.prompt, options, on_event=on_event)
    except GenerationError as exc:  # e.g. more paths than fit the context: nothing was stored
        raise UserError(str(exc)) from None
    if args.json:
        json.dump(result.to_json(), out, ensure_ascii=False)
        out.write("\n")
    elif result.paths:
        for i, p in enumerate(result.paths, 1):
            mark = "*" if p.message_id == result.message_id else " "
            out.write(f"{mark} path {i}: {p.final_answer if p.final_answer is not None else '(no final answer)'}"
                      f"  [{p.stats.thinking_tokens} thinking + {p.stats.answer_tokens} answer tokens, "
                      f"{p.stats.stop_reason}]\n")
        v = result.vote or {}
        how = {"extracted": "", "model": " (chosen by the model: no final answer could be read)",
               "none": " (no final answer could be read; the most confident path)"}.get(v.get("method"), "")
        out.write(f"Vote: {v.get('answer') or '-'} — {v.get('agree', 0)} of {v.get('of', 0)} paths agree{how}\n\n")
        out.write(result.answer + "\n")
    else:
        if tty and state["section"] == "thinking":
            out.write("\x1b[0m")
        out.write("\n")
    for note in result.stats.notes:
        print(f"note: {note}", file=sys.stderr)
    if not args.json:
        if result.stats.thinking_tokens:
            print(f"(thought for {result.stats.thinking_seconds:.1f} s, {result.stats.thinking_tokens} tokens; "
                  f"{result.stats.tokens_per_second:.0f} tokens/s)", file=sys.stderr)
    if result.error:
        print(f"reasoner-desktop: {result.error}", file=sys.stderr)
        return 1
    return 0 if result.status is not MessageStatus.ERROR else 1


def _history(args, data_dir: Path) -> int:
    target = list(args.target)
    if target and target[0] == "keep-thought":
        return _keep_thought(target[1:], data_dir)
    if len(target) > 1 or (target and not target[0].isdigit()):
        raise UserError("history takes one conversation id, or: keep-thought MESSAGE_ID on|off")
    args.conversation = int(target[0]) if target else None
    repo = _open_repo(data_dir)
    if args.conversation is not None:
        conv = repo.get_conversation(args.conversation)
        if conv is None:
            raise UserError(f"No conversation with id {args.conversation}.")
        conversations = [conv]
    else:
        conversations = repo.all_conversations()
    if args.json:
        payload = [c.to_json() for c in conversations]
        json.dump(payload[0] if args.conversation is not None else payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for conv in conversations:
        print(f"{conv.id:>5}  {conv.updated_at:%Y-%m-%d %H:%M}  {conv.title}  ({len(conv.messages)} messages)")
    return 0


def _keep_thought(words: list[str], data_dir: Path) -> int:
    if len(words) != 2 or not words[0].isdigit() or words[1] not in ("on", "off"):
        raise UserError("Usage: history keep-thought MESSAGE_ID on|off")
    repo = _open_repo(data_dir, write=True)
    message = repo.get_message(int(words[0]))
    if message is None or message.role.value != "assistant":
        raise UserError(f"No answer with id {words[0]}.")
    repo.set_keep_thinking(message.id, words[1] == "on")
    print(f"The thought of answer {message.id} is {'kept in' if words[1] == 'on' else 'left out of'} the context "
          "of later questions.")
    return 0


def _search(args, data_dir: Path) -> int:
    repo = _open_repo(data_dir)
    tty = sys.stdout.isatty()
    mark = ("\x1b[1;33m", "\x1b[0m") if tty and not args.json else ("[", "]")
    hits = repo.search(args.query, include_thoughts=args.thoughts, limit=args.limit, mark=mark)
    if args.json:
        json.dump([h.to_json() for h in hits], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not hits:
        print("No matches." + ("" if args.thoughts else " (Add --thoughts to search the chains of thought too.)"))
    for h in hits:
        where = " (in thought)" if h.field == "thinking" else ""
        print(f"#{h.conversation_id} {h.conversation_title} · message {h.message_id}{where}")
        print(f"    {' '.join(h.snippet.split())}")
    return 0


def _export(args, data_dir: Path) -> int:
    from reasoner_desktop.services.exporting import export_conversations

    if bool(args.ids) == args.all:
        raise UserError("Give conversation ids or --all (not both).")
    repo = _open_repo(data_dir)
    try:
        written = export_conversations(repo, None if args.all else args.ids, ExportFormat(args.format),
                                       ThinkingExport(args.thinking), Path(args.output), force=args.force)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Cannot write {args.output}: {exc.strerror or exc}") from None
    for path in written:
        print(path)
    return 0


def _import(args, data_dir: Path) -> int:
    from reasoner_desktop.services.importing import import_paths

    repo = _open_repo(data_dir, write=True)
    try:
        reports = import_paths(repo, [Path(f) for f in args.files], fmt=args.import_format, duplicate=args.duplicate)
    except ImportFormatError as exc:
        raise UserError(str(exc)) from None
    for report in reports:
        print(report.line())
    if any(r.already for r in reports):
        print("Use --duplicate to import again what is already in the history.")
    return 0


def _dataset(args, data_dir: Path) -> int:
    from reasoner_desktop.services.exporting import export_dataset

    repo = _open_repo(data_dir)
    try:
        n = export_dataset(repo, Path(args.output), form=args.form, force=args.force)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    print(f"Wrote {n} example(s) to {args.output}" + ("" if n else " (rate answers thumbs-up to collect them)"))
    return 0
