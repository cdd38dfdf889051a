"""uvicorn, listening: the server of `serve` and of the window's Serve toggle."""

from __future__ import annotations

import threading
from collections.abc import Callable

import uvicorn

from reasoner_desktop.server.api import create_app
from reasoner_desktop.server.serve import API_KEY_ENV, is_loopback


class Server(uvicorn.Server):
    """uvicorn, saying where it listens once it does (and setting `ready` for whoever waits)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None] | None = None) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.on_ready = on_ready

    @property
    def address(self) -> str:
        sock = self.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host if ':' not in host else f'[{host}]'}:{port}/v1"

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            if self.on_ready:
                self.on_ready(self.address)
            self.ready.set()


def make_server(runner, *, host: str, port: int, api_key: str | None, repo=None,
                on_ready: Callable[[str], None] | None = None) -> Server:
    if not is_loopback(host) and not api_key:
        raise ValueError(f"Listening on {host} lets other computers use the model: give an API key "
                         f"(--api-key or ${API_KEY_ENV}).")
    app = create_app(runner, api_key=api_key, repo=repo)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                            timeout_graceful_shutdown=3)
    return Server(config, on_ready)
