"""Run the real command line with a SIGKILL planted inside the history upgrade, at a moment
chosen by progress, not by time:

    python -m tests.upgrade_killer MODE N -- reasoner-desktop arguments…

MODE `statement`: killed just before the upgrade's Nth SQL statement runs (N-1 have run);
`progress`: killed inside SQLite at its Nth progress callback (every PROGRESS_STEP virtual-machine
instructions of the upgrade, so also in the middle of one long statement); `commit`: killed just
before the upgrade's COMMIT; `backup-rename`: killed when the backup copy is complete but not yet
renamed; `count`: no kill, prints {"statements": S, "progress": P} of the upgrade on stderr.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from reasoner_desktop import cli
from reasoner_desktop.storage import schema

PROGRESS_STEP = 20_000


def main() -> int:
    mode, n = sys.argv[1], int(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1:]
    state = {"upgrading": False, "statements": 0, "progress": 0}

    def die() -> None:
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    real_upgrade = schema.upgrade_atomically

    def upgrade(*a, **kw):
        state["upgrading"] = True
        try:
            return real_upgrade(*a, **kw)
        finally:
            state["upgrading"] = False
            if mode == "count":
                print(json.dumps({"statements": state["statements"], "progress": state["progress"]}),
                      file=sys.stderr)

    schema.upgrade_atomically = upgrade

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(*_a) -> None:
        if state["upgrading"]:
            state["statements"] += 1
            if mode == "statement" and state["statements"] == n:
                die()

    @event.listens_for(Engine, "commit")
    def _commit(_conn) -> None:
        if state["upgrading"] and mode == "commit":
            die()

    def _progress() -> int:
        if state["upgrading"]:
            state["progress"] += 1
            if mode == "progress" and state["progress"] == n:
                die()
        return 0

    @event.listens_for(Pool, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.set_progress_handler(_progress, PROGRESS_STEP)

    real_replace = os.replace

    def replace(src, dst, *a, **kw):
        if mode == "backup-rename" and ".bak-" in os.fspath(dst):
            die()
        return real_replace(src, dst, *a, **kw)

    os.replace = replace
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
