"""The systems the benchmark compares, one interface: load a dump, start, answer queries, report memory.

A system is an HTTP server on 127.0.0.1 (:class:`HttpSystem`: kzgraph, the Oxigraph server, Virtuoso,
rdflib-endpoint) or an engine in a process of its own answering over a pipe, timed inside that process
without HTTP (:class:`PipeSystem`: pyoxigraph, rdflib's memory store; ``inprocess.py``). Each module
``baseline_*.py`` (and ``system_kzgraph.py``) defines one; a failure to load or start is a
:class:`~processes.Failed` whose message goes into the tables.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from processes import Failed, HttpServer, MemorySampler, TimedOut, rows_of, start, stop, throughput
from timing import timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class Limits:
    """Bounds of a run: seconds to load (and start), MB of all of a system's processes, seconds per query."""

    load_seconds: float = 900
    memory_mb: float = 8 * 1024
    query_seconds: float = 120


@dataclass
class System:
    """One system under measurement. ``load`` and ``startup`` are seconds (None where the system has no
    separate step); ``load_peak_mb`` the peak memory of loading, ``peak_mb`` of serving."""

    key: str = ""
    title: str = ""
    load: float | None = None
    load_peak_mb: float | None = None
    startup: float | None = None
    notes: list[str] = field(default_factory=list)
    broken: str | None = None  # why the system answers no more queries
    #: whether a query that ran out of time leaves the system unable to answer (an engine in one thread,
    #: stopped; a server busy with it on its only event loop), so that it is asked no more queries
    stuck_after_timeout: bool = False

    def open(self, dump: Path, folder: Path, limits: Limits) -> None:
        """Load ``dump`` (N-Quads) and start; ``folder`` is the system's own, empty."""
        raise NotImplementedError

    def query(self, text: str, timeout: float) -> tuple[float, int]:
        """Answer ``text``: the seconds it took and the number of solutions. :class:`Failed` when it fails."""
        raise NotImplementedError

    def memory(self) -> float:
        """The sum of RSS of the system's processes now, MB."""
        raise NotImplementedError

    def peak(self) -> float:
        """The highest sum of RSS of the system's processes since it started serving, MB."""
        raise NotImplementedError

    def throughput(self, text: str, clients: int, requests: int) -> tuple[float, float] | None:
        """Requests per second of concurrent clients and the CPU seconds per request of all the system's
        processes meanwhile; None for a system without HTTP."""
        return None

    def close(self) -> None:
        raise NotImplementedError


@dataclass
class HttpSystem(System):
    """A SPARQL protocol server: ``server`` once :meth:`open` started it."""

    server: HttpServer | None = None

    def serve(self, command: list[str], url: str, log: Path, limits: Limits,
              env: dict[str, str] | None = None) -> None:
        self.server = HttpServer(self.title, command, url, log, env, timeout=limits.load_seconds,
                                 limit_mb=limits.memory_mb)
        self.startup = self.server.startup

    def query(self, text: str, timeout: float) -> tuple[float, int]:
        assert self.server is not None
        server = self.server
        try:
            seconds, answer = timed(lambda: server.get(text, timeout))
        except httpx.TimeoutException:
            raise TimedOut(f"no answer in {timeout:.0f} s") from None
        return seconds, rows_of(answer)

    def memory(self) -> float:
        assert self.server is not None
        return self.server.memory()

    def peak(self) -> float:
        assert self.server is not None
        return self.server.sampler.peak

    def throughput(self, text: str, clients: int, requests: int) -> tuple[float, float] | None:
        assert self.server is not None
        return throughput(self.server.url, text, clients, requests, self.server.process.pid)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


@dataclass
class PipeSystem(System):
    """An engine in a child process (``inprocess.py ENGINE DUMP``), which loads the dump, then answers one
    query per line of its input with the seconds it took inside the process and the rows."""

    engine: str = ""
    stuck_after_timeout: bool = True
    log: Path | None = None
    process: subprocess.Popen[str] | None = None
    sampler: MemorySampler | None = None

    def open(self, dump: Path, folder: Path, limits: Limits) -> None:
        self.log = folder / f"{self.key}.log"
        with self.log.open("w") as errors:
            self.process = subprocess.Popen([sys.executable, str(HERE / "inprocess.py"), self.engine, str(dump)],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                            text=True, start_new_session=True)
        self.sampler = MemorySampler(self.process.pid, limit_mb=limits.memory_mb)
        loaded = self._answer(limits.load_seconds, "load")
        self.load = float(str(loaded["seconds"]))
        self.load_peak_mb = self.sampler.peak

    def _answer(self, timeout: float, doing: str) -> dict[str, object]:
        assert self.process is not None and self.process.stdout is not None and self.sampler is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            peak = self.sampler.peak
            self.close()
            raise TimedOut(f"{doing}: did not finish in {timeout:.0f} s (peak {peak:,.0f} MB)")
        line = self.process.stdout.readline()
        if not line or self.sampler.check():  # an answer within the interval is checked against the limit too
            self.close()
            if self.sampler.exceeded:
                raise TimedOut(f"{doing}: stopped at {self.sampler.peak:,.0f} MB, over the memory limit")
            error = self.log.read_text(errors="replace") if self.log else ""
            raise TimedOut(f"{doing}: the process ended ({error.strip()[-300:]})")
        answer: dict[str, object] = json.loads(line)
        if "error" in answer:
            raise Failed(str(answer["error"]))
        return answer

    def query(self, text: str, timeout: float) -> tuple[float, int]:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(text) + "\n")
        self.process.stdin.flush()
        answer = self._answer(timeout, "query")
        return float(str(answer["seconds"])), int(str(answer["rows"]))

    def memory(self) -> float:
        assert self.sampler is not None
        return self.sampler.sample()

    def peak(self) -> float:
        assert self.sampler is not None
        return self.sampler.peak

    def close(self) -> None:
        if self.sampler is not None:
            self.sampler.stop()
        if self.process is not None:
            stop(self.process)


def python_command(*arguments: str) -> list[str]:
    """The command line of this Python with ``arguments``."""
    return [sys.executable, *arguments]


__all__ = ["ROOT", "Failed", "HttpSystem", "Limits", "PipeSystem", "System", "TimedOut", "python_command", "start"]
