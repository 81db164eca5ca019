"""Processes of the benchmark: free ports, the memory of a process tree (sampled), timed commands, and HTTP
SPARQL servers started on 127.0.0.1 and timed from their start to their first answer."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx

JSON = "application/sparql-results+json"


class Failed(Exception):
    """A system could not load, start or answer: the message says what and where, and goes into the tables."""


class TimedOut(Failed):
    """A system did not answer in time (or stopped): it answers no more queries in this run."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (from /proc; also used by tests/test_reliability.py)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def resident_mb(pid: int) -> float:
    """The sum of the resident set sizes (VmRSS) of a process and its descendants, in MB."""
    total = 0
    for each in process_tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemorySampler:
    """Samples the sum of RSS of a process tree every ``interval`` seconds in a thread; ``peak`` is the
    highest sum seen, ``limit_mb`` (when given) stops the tree when the sum exceeds it."""

    def __init__(self, pid: int, interval: float = 0.2, limit_mb: float | None = None):
        self.pid, self.interval, self.limit_mb = pid, interval, limit_mb
        self.peak = 0.0
        self.exceeded = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.check():
                return
            self._stop.wait(self.interval)

    def check(self) -> bool:
        """Sample now and, when the sum exceeds the limit, stop the tree; whether the limit was exceeded. A
        caller checks at the end of a step too, since a step shorter than the interval falls between samples."""
        self.sample()
        if self.limit_mb is not None and self.peak > self.limit_mb and not self.exceeded:
            self.exceeded = True
            kill_group(self.pid)
        return self.exceeded

    def sample(self) -> float:
        now = resident_mb(self.pid)
        self.peak = max(self.peak, now)
        return now

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def start(command: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen[bytes]:
    """A process in a session of its own (so that the whole tree can be stopped), output to ``log``."""
    output = log.open("ab") if log is not None else subprocess.DEVNULL
    return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})), start_new_session=True)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Stop a process tree started by :func:`start`: SIGTERM, then SIGKILL after 20 s."""
    if process.poll() is None:
        kill_group(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            process.wait()


def run(command: list[str], log: Path, env: dict[str, str] | None = None, timeout: float | None = None,
        limit_mb: float | None = None, ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run a command to its end: its wall-clock time and the peak sum of RSS of its processes (MB).
    :class:`Failed` when it exits with a code not in ``ok_codes``, exceeds ``timeout`` seconds or
    ``limit_mb``, with the end of its log."""
    started = time.perf_counter()
    process = start(command, env, log)
    sampler = MemorySampler(process.pid, limit_mb=limit_mb)
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise Failed(f"did not finish in {timeout:.0f} s (peak {sampler.stop():,.0f} MB)") from None
    finally:
        peak = sampler.stop()
    elapsed = time.perf_counter() - started
    if sampler.exceeded:
        raise Failed(f"stopped at {peak:,.0f} MB, over the limit of {limit_mb:,.0f} MB, after {elapsed:.0f} s")
    if code not in ok_codes:
        tail = log.read_text(errors="replace")[-600:].strip().replace("\n", " ")
        raise Failed(f"`{' '.join(command[:4])} …` exited with {code}: {tail}")
    return elapsed, peak


class HttpServer:
    """A SPARQL server process: started with ``command``, timed until ``ASK {}`` answers at ``url``; its
    memory sampled from its start (``sampler.peak``) until :meth:`stop`."""

    def __init__(self, name: str, command: list[str], url: str, log: Path, env: dict[str, str] | None = None,
                 timeout: float = 600, limit_mb: float | None = None):
        self.name, self.url = name, url
        started = time.perf_counter()
        self.process = start(command, env, log)
        self.sampler = MemorySampler(self.process.pid, limit_mb=limit_mb)
        with httpx.Client(timeout=5) as client:
            while True:
                try:
                    status = client.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON}).status_code
                    if status == 200:
                        break
                    if status in (404, 405):
                        self.stop()
                        raise Failed(f"{name} answers {url} with HTTP {status}")
                except httpx.TransportError:
                    pass
                if self.process.poll() is not None or self.sampler.exceeded:
                    self.stop()
                    over = f"over the limit of {limit_mb:,.0f} MB" if self.sampler.exceeded else ""
                    tail = log.read_text(errors="replace")[-600:].strip().replace("\n", " ")
                    raise Failed(f"{name} stopped {over} (exit code {self.process.returncode}): {tail}")
                if time.perf_counter() - started > timeout:
                    self.stop()
                    raise Failed(f"{name} did not answer within {timeout:.0f} s of its start "
                                 f"(peak {self.sampler.peak:,.0f} MB)")
                time.sleep(0.01)
        self.startup = time.perf_counter() - started
        self.client = httpx.Client(timeout=None)

    def get(self, text: str, timeout: float | None = None) -> httpx.Response:
        answer = self.client.get(self.url, params={"query": text}, headers={"Accept": JSON}, timeout=timeout)
        if answer.status_code != 200:
            raise Failed(f"HTTP {answer.status_code}: {answer.text[:300].strip()}")
        return answer

    def memory(self) -> float:
        return self.sampler.sample()

    def stop(self) -> None:
        self.sampler.stop()
        if hasattr(self, "client"):
            self.client.close()
        stop(self.process)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process and its descendants, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def throughput(url: str, text: str, clients: int, requests: int, pid: int) -> tuple[float, float]:
    """Requests per second of ``clients`` threads, each sending ``requests`` GET requests for ``text`` over
    one keep-alive connection, started together; and the CPU time the server ``pid`` (all its processes)
    spent per request meanwhile, in seconds: a figure that a busy machine disturbs less."""
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def client() -> None:
        with httpx.Client(timeout=600) as http:
            try:
                http.get(url, params={"query": "ASK {}"}, headers={"Accept": JSON})
            finally:
                barrier.wait()
            try:
                for _ in range(requests):
                    http.get(url, params={"query": text}, headers={"Accept": JSON}).raise_for_status()
            except BaseException as error:  # reported below
                errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), cpu_seconds(pid)
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    if errors:
        raise Failed(f"throughput: {errors[0]}")
    return clients * requests / elapsed, cpu / (clients * requests)


def rows_of(answer: httpx.Response) -> int:
    """The number of solutions of a SPARQL JSON answer (1 for a boolean)."""
    document = answer.json()
    return len(document["results"]["bindings"]) if "results" in document else 1

