"""A local HTTP server that answers the Hugging Face endpoints huggingface_hub uses for
search, model info (with LFS sha256), file metadata (HEAD) and ranged file downloads."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


class FakeHub:
    def __init__(self, repos: dict[str, dict[str, Path]], hashes: dict[Path, str] | None = None) -> None:
        self.repos = repos
        self.hashes = hashes or {}
        self.wrong_sha = False  # publish a wrong sha256 for every file
        self.chunk_delay = 0.0  # seconds between 256 KB chunks, to make downloads slow enough to cancel
        self.bytes_served = 0
        self.range_starts: list[int] = []
        self.bodies: list[list[int]] = []  # [start, bytes written] per GET of a file, in request order
        self._server: ThreadingHTTPServer | None = None

    def sha(self, path: Path) -> str:
        if path not in self.hashes:
            self.hashes[path] = sha256_of(path)
        real = self.hashes[path]
        return ("f" * 64 if real[0] != "f" else "e" * 64) if self.wrong_sha else real

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, data, status=200):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _file(self, head: bool):
                # /{org}/{name}/resolve/{revision}/{filename}
                parts = unquote(urlparse(self.path).path).strip("/").split("/")
                if len(parts) < 5 or parts[2] != "resolve":
                    return self._json({"error": "not found"}, 404)
                repo, filename = "/".join(parts[:2]), "/".join(parts[4:])
                path = hub.repos.get(repo, {}).get(filename)
                if path is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.end_headers()
                    return
                size = path.stat().st_size
                start = 0
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0] or 0)
                    hub.range_starts.append(start)
                self.send_response(206 if start else 200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{hub.sha(path)}"')
                self.send_header("X-Linked-Etag", f'"{hub.sha(path)}"')
                self.send_header("X-Linked-Size", str(size))
                self.send_header("Accept-Ranges", "bytes")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                self.send_header("Content-Length", str(size - start))
                self.end_headers()
                if head:
                    return
                body = [start, 0]
                hub.bodies.append(body)
                with path.open("rb") as fh:
                    fh.seek(start)
                    try:
                        while chunk := fh.read(1 << 18):
                            self.wfile.write(chunk)
                            hub.bytes_served += len(chunk)
                            body[1] += len(chunk)
                            if hub.chunk_delay:
                                time.sleep(hub.chunk_delay)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            def do_HEAD(self):
                self._file(head=True)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/api/models":
                    q = (parse_qs(url.query).get("search") or [""])[0].lower()
                    hits = [r for r in hub.repos if q in r.lower()]
                    return self._json([{"_id": r, "id": r, "modelId": r, "downloads": 42, "likes": 7,
                                        "tags": ["gguf"], "private": False} for r in hits])
                if url.path.startswith("/api/models/"):
                    rest = url.path[len("/api/models/"):].split("/")
                    repo = "/".join(rest[:2])
                    if repo not in hub.repos:
                        self.send_response(404)
                        self.send_header("X-Error-Code", "RepoNotFound")
                        self.send_header("Content-Type", "application/json")
                        self.end_headers()
                        self.wfile.write(b'{"error": "Repository not found"}')
                        return
                    siblings = []
                    for name, path in hub.repos[repo].items():
                        size = path.stat().st_size
                        siblings.append({"rfilename": name, "size": size, "blobId": hub.sha(path)[:40],
                                         "lfs": {"sha256": hub.sha(path), "size": size, "pointerSize": 134}})
                    siblings.append({"rfilename": "README.md", "size": 12, "blobId": "b" * 40})
                    return self._json({"_id": repo, "id": repo, "modelId": repo, "sha": COMMIT, "private": False,
                                       "tags": ["gguf"], "siblings": siblings, "downloads": 42, "likes": 7})
                return self._file(head=False)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
