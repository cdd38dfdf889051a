"""`reasoner-desktop serve`: the model as an OpenAI-compatible API on this computer (uvicorn). Light to
import (the CLI's parser is built at every start): the server itself is in listen.py and api.py."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Callable

API_KEY_ENV = "REASONER_DESKTOP_API_KEY"


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="serve the model as an OpenAI-compatible API (/v1/chat/completions, the "
                       "thought in reasoning_content)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer "
                   "only; any other needs --api-key)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--model", metavar="NAME|PATH", help="a model from `models list`, or a GGUF file (default: the "
                   "bundled model)")
    p.add_argument("--api-key", metavar="KEY", help=f"require Authorization: Bearer KEY (or set ${API_KEY_ENV})")
    p.add_argument("--save-history", action="store_true", help="keep every completion as a conversation")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args, load_engine: Callable[[], object], open_repo: Callable[[], object], user_error) -> int:
    api_key = args.api_key or os.environ.get(API_KEY_ENV) or None
    if not is_loopback(args.host) and not api_key:
        raise user_error(f"Listening on {args.host} lets other computers use the model: give an API key "
                         f"(--api-key or ${API_KEY_ENV}).")
    if not 0 <= args.port <= 65535:
        raise user_error(f"The port must be from 0 to 65535, not {args.port}.")
    from reasoner_desktop.server.listen import make_server
    from reasoner_desktop.server.runner import ThreadRunner

    repo = open_repo() if args.save_history else None
    engine = load_engine()
    runner = ThreadRunner(engine)
    server = make_server(runner, host=args.host, port=args.port, api_key=api_key, repo=repo,
                         on_ready=lambda url: print(f"Serving {engine.name} on {url} (Ctrl+C stops)",
                                                    file=sys.stderr, flush=True))
    try:
        server.run()
    finally:
        runner.close()
        engine.close()
    if not server.started:
        raise user_error(f"Could not listen on {args.host}:{args.port} (in use, or not an address of this "
                         "computer).")
    return 0
