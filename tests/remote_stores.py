"""Real SPARQL stores for the integration tests, started on free 127.0.0.1 ports and stopped afterwards:
an Oxigraph server (the `oxigraph` CLI of the `oxigraph` package) and Virtuoso (Debian's
virtuoso-opensource-7-bin, with a virtuoso.ini of its own in a temporary folder)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .helpers import free_port

STARTUP_SECONDS = 180


@dataclass
class Server:
    """A store process: its command, URLs, credentials and log file; start() waits until it answers."""

    name: str
    command: list[str]
    query_url: str
    update_url: str
    graph_store_url: str
    log: Path
    auth: dict = field(default_factory=dict)  # keyword arguments of kzgraph.store.remote.Credentials
    process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(self.command, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=self.log.parent)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                answer = httpx.get(self.query_url, params={"query": "ASK {}"}, timeout=5,
                                   headers={"Accept": "application/sparql-results+json"})
                if answer.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {STARTUP_SECONDS} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def oxigraph(folder: Path) -> Server:
    """An Oxigraph server persisting to ``folder/db``."""
    executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    base = f"http://127.0.0.1:{free_port()}"
    return Server("oxigraph", [executable, "serve", "--location", str(folder / "db"), "--bind", base[7:]],
                  f"{base}/query", f"{base}/update", f"{base}/store", folder / "oxigraph.log")


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DirsAllowed = ., {folder}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
MaxClientConnections = 4
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 0
"""


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def virtuoso(folder: Path) -> Server:
    """Virtuoso with a fresh database in ``folder``; updates through /sparql-auth (digest, dba/dba: the
    password of a new database), plain queries through /sparql."""
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port))
    base = f"http://127.0.0.1:{http_port}"
    return Server("virtuoso", [virtuoso_binary(), "+foreground", "+configfile", str(ini)],
                  f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                  folder / "virtuoso-stdout.log", auth={"user": "dba", "password": "dba", "scheme": "digest"})
