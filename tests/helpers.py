"""Test helpers shared by the test modules: a real uvicorn server on a free loopback port, and the command line
in a process of its own."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn

from kzgraph.build.pipeline import DUMP_NAME, current_build


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(app):
    """Serve an app with uvicorn on a free 127.0.0.1 port for the duration of the block."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        running.should_exit = True
        thread.join()


def kzgraph(*args: str, build_dir, check: bool = False, timeout: float = 600,
            **env: str) -> subprocess.CompletedProcess:
    """Run the ``kzgraph`` command line in a process of its own, with ``build_dir`` as its build folder
    (``KZGRAPH_BUILD``) and ``env`` as further environment variables."""
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True, check=check,
                          env=dict(os.environ, KZGRAPH_BUILD=str(build_dir), **env), timeout=timeout)


def publish_build(kg, folder: Path) -> Path:
    """Write a store's dump into ``folder`` as ``kzgraph build`` publishes it (``current/kzgraph.nq``)."""
    current_build(folder).mkdir(parents=True)
    kg.dataset.serialize(destination=current_build(folder) / DUMP_NAME, format="nquads")
    return folder
