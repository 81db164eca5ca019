"""Reliability under faults and abuse, on real servers and processes on 127.0.0.1: processes SIGKILLed at
random moments while they write, push, import or load leave every write whole (all of it or none) and keep
every acknowledged one; workers die with their server; runaway clients cannot take every worker; hostile
inputs never get a 500 or a hang.

``KZGRAPH_FAULT_KILLS`` (default 100) is the number of kills in all, shared among a real ``kzgraph serve``
killed while it writes (3 in 100, as a server takes seconds to start) and light processes forked by
tests/fault_driver.py that run kzgraph's own commit of a write, push, SIPRI import and bulk load (the rest).
docs/endpoint.md, "Reliability", gives the figures."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from benchmarks.processes import alive, process_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from kzgraph.endpoint.app import create_app
from kzgraph.errors import Overloaded
from kzgraph.importers.sipri import DATA_NAME, MANIFEST_NAME, read_manifest
from kzgraph.service.bulk import bulk_load
from kzgraph.service.guarded import GuardedStore, Limits
from kzgraph.service.writes import Delta, journal_path, recover
from kzgraph.store import folders
from kzgraph.store.local import open as open_store
from kzgraph.store.remote import GRAPH_PREFIX

from .helpers import free_port, serving
from .importers.sipri_files import SAMPLE, sample_lines, write_lines
from .remote_stores import oxigraph

SRC = Path(__file__).resolve().parents[1] / "src"
DRIVER = Path(__file__).with_name("fault_driver.py")
TOTAL_KILLS = int(os.environ.get("KZGRAPH_FAULT_KILLS", "100"))
SHARES = {"server": 3, "write": 33, "push": 20, "import": 30, "load": 14}  # per 100 kills


def kills(kind: str) -> int:
    """The kills of one kind: its share of ``KZGRAPH_FAULT_KILLS``, at least one."""
    return max(1, round(TOTAL_KILLS * SHARES[kind] / 100))

TOKEN = "fault-token"
GRAPH = "http://example.org/graph/batch"
BATCH = 300
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
def start_server(store: Path, port: int) -> subprocess.Popen[bytes]:
    """``kzgraph serve --store`` with writes enabled, one worker, in a process of its own."""
    process = subprocess.Popen([sys.executable, "-m", "kzgraph", "serve", "--store", str(store), "--port", str(port),
                                "--update-token", TOKEN, "--workers", "1", "--timeout", "60"],
                               env=dict(os.environ, PYTHONPATH=str(SRC)), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not start")


def batch(n: int) -> bytes:
    return "".join(f'<http://example.org/item/{i}> <http://example.org/batch> "{n}" .\n'
                   for i in range(BATCH)).encode()


def graph_batches(port: int) -> dict[str, int]:
    answer = httpx.get(f"http://127.0.0.1:{port}/sparql", timeout=30, headers={"Accept": "text/csv"},
                       params={"query": f"SELECT ?b (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?b }} }} "
                                        "GROUP BY ?b"})
    answer.raise_for_status()
    return {line.split(",")[0]: int(line.split(",")[1]) for line in answer.text.splitlines()[1:] if line}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_server_killed_while_it_writes_leaves_every_write_whole_and_keeps_the_acknowledged_ones(tmp_path):
    """Each write replaces a graph of 300 triples (removals and additions): after a SIGKILL at a random moment
    and a restart, the graph holds exactly one whole batch, the last acknowledged one or the one in flight."""
    count = kills("server")
    store = tmp_path / "store"
    open_store(store).close()
    rng = random.Random(18)
    port = free_port()
    server = start_server(store, port)
    acknowledged, sent, survived = 0, 0, 0
    try:
        for _ in range(count):
            done = threading.Event()

            def write(n: int, done: threading.Event = done) -> None:
                nonlocal acknowledged
                try:
                    answer = httpx.put(f"http://127.0.0.1:{port}/rdf-graphs/service", params={"graph": GRAPH},
                                       content=batch(n), timeout=60,
                                       headers={"Content-Type": "application/n-triples",
                                                "Authorization": f"Bearer {TOKEN}"})
                    if answer.status_code in (200, 201, 204):
                        acknowledged = n
                except httpx.HTTPError:  # the server was killed before it answered
                    pass
                finally:
                    done.set()

            for _ in range(rng.randrange(1, 3)):  # a write or two that complete, then one that is killed
                sent += 1
                started = time.monotonic()
                write(sent)
                duration = time.monotonic() - started
            sent += 1
            threading.Thread(target=write, args=(sent,), daemon=True).start()
            # anywhere in the write, most often near its end, where the store is changed
            time.sleep(rng.uniform(0.0, 1.0) * duration if rng.random() < 0.3 else rng.uniform(0.75, 1.0) * duration)
            server.send_signal(signal.SIGKILL)
            server.wait()
            done.wait(30)
            server = start_server(store, port)
            batches = graph_batches(port)
            assert len(batches) == 1 and list(batches.values()) == [BATCH], batches  # one whole write
            assert int(next(iter(batches))) in (acknowledged, sent), (batches, acknowledged, sent)
            survived += 1
    finally:
        server.kill()
        server.wait()
    assert survived == count and not journal_path(store).exists()


class Driver:
    """tests/fault_driver.py in a process of its own: it forks the children that are killed."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env=dict(os.environ, PYTHONPATH=str(SRC)))
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.decode().strip())
        self.lines.put("eof")

    def next(self, timeout: float = 120) -> str:
        line = self.lines.get(timeout=timeout)
        if line.startswith("error") or line == "eof":
            raise AssertionError(f"the fault driver: {line}")
        return line

    def send(self, command: dict) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        self.process.stdin.flush()

    def run_until_gone(self, command: dict) -> None:
        """Run a command whose child ends by itself (it kills itself, or fails)."""
        self.send(command)
        self.next()  # pid
        while self.next() != "gone":
            pass

    def kill_during(self, command: dict, rng: random.Random, duration: float) -> tuple[int, float]:
        """Start the operations of ``command`` and SIGKILL the child at a random moment: after none or one
        acknowledged operation, anywhere in the next one (``duration``: how long one takes, as last measured).
        The number of the last acknowledged operation (``start - 1`` if none), and the measured duration."""
        self.send(command)
        pid = int(self.next().split()[1])
        started, acknowledged = time.monotonic(), [command["start"] - 1]
        for _ in range(rng.randrange(0, 2)):
            acknowledged.append(int(self.next().split()[1]))
        if len(acknowledged) > 1:
            duration = (time.monotonic() - started) / (len(acknowledged) - 1)
        time.sleep(rng.uniform(0.0, 1.0) * duration)
        with contextlib.suppress(ProcessLookupError):  # the child failed: its error is read below
            os.kill(pid, signal.SIGKILL)
        while (line := self.next()) != "gone":
            acknowledged.append(int(line.split()[1]))
        return acknowledged[-1], duration

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def driver():
    running = Driver()
    yield running
    running.close()


LIGHT_BATCH = 200


def test_writes_killed_at_random_moments_are_whole_and_kept_once_acknowledged(tmp_path, driver):
    """A process commits writes to a persistent store as the server does (journal, then store), each replacing a
    graph of 200 triples by the next batch; SIGKILLed at random moments, then the store opened as the server
    opens it (completing a journaled write): one whole batch, the last acknowledged one or the one in flight."""
    store = tmp_path / "store"
    ox.Store(str(store)).flush()  # created, and closed when dropped
    rng, duration, start, survived = random.Random(1801), 0.2, 0, 0
    for _ in range(kills("write")):
        last, duration = driver.kill_during({"kind": "write", "store": str(store), "graph": GRAPH,
                                             "size": LIGHT_BATCH, "start": start}, rng, duration)
        found = batches_held(store)
        if not found:
            assert last == -1, f"write {last} was acknowledged and is gone"
            start = 0
        else:
            assert len(found) == 1 and list(found.values()) == [LIGHT_BATCH], f"half-written: {found}"
            written = int(next(iter(found)))
            assert written in (last, last + 1), (written, last)
            start = written + 1
        assert not journal_path(store).exists()
        survived += 1
    assert survived == kills("write")


def batches_held(store: Path) -> Counter[str]:
    """The batches in the graph of a store opened as the server opens it (completing a journaled write), and
    their triples; the store closed again (a pyoxigraph store closes when dropped)."""
    opened = ox.Store(str(store))
    recover(opened, journal_path(store))
    found = Counter(quad.object.value for quad in opened.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH)))
    del opened
    gc.collect()
    return found


def push_dumps(folder: Path) -> tuple[list[Path], list[dict[tuple[str, str], int]]]:
    """Three build dumps of kzgraph graphs, each triple's object naming its dump, with a blank node in each
    graph; and what each puts into a store: (graph, object) -> triples."""
    shapes = [{"a": 300, "b": 120}, {"a": 200, "c": 150}, {"b": 250, "c": 100, "d": 30}]
    paths, expected = [], []
    for d, shape in enumerate(shapes):
        lines, counts = [], {}
        for name, size in shape.items():
            graph = f"{GRAPH_PREFIX}kills/{name}"
            lines += [f'<http://example.org/s{i}> <http://example.org/p> "v{d}" <{graph}> .' for i in range(size - 1)]
            lines.append(f'_:node{d} <http://example.org/p> "v{d}" <{graph}> .')
            counts[(graph, f"v{d}")] = size
        path = folder / f"dump-{d}.nq"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
        expected.append(counts)
    return paths, expected


def kzgraph_graphs(query_url: str) -> dict[tuple[str, str], int]:
    query = (f"SELECT ?g ?o (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
             f"FILTER(STRSTARTS(STR(?g), \"{GRAPH_PREFIX}\")) }} GROUP BY ?g ?o")
    answer = httpx.post(query_url, data={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
    answer.raise_for_status()
    rows = [line.split(",") for line in answer.text.splitlines()[1:] if line]
    return {(g, o): int(n) for g, o, n in rows}


def test_pushes_killed_at_random_moments_leave_the_store_with_one_whole_build(tmp_path, driver):
    """``kzgraph push`` to an Oxigraph server, the three dumps in turn (60 triples a request), SIGKILLed at random
    moments: kzgraph's graphs in the store are exactly those of the last acknowledged push or of the one in
    flight (staging graphs may be left, outside kzgraph's graphs)."""
    dumps, expected = push_dumps(tmp_path)
    server = oxigraph(tmp_path).start()
    rng, duration, start, survived = random.Random(1802), 0.3, 0, 0
    try:
        for _ in range(kills("push")):
            last, duration = driver.kill_during({"kind": "push", "query_url": server.query_url, "batch": 60,
                                                 "update_url": server.update_url, "dumps": [str(d) for d in dumps],
                                                 "start": start}, rng, duration)
            found = kzgraph_graphs(server.query_url)
            states = {n: (expected[n % 3] if n >= 0 else {}) for n in (last, last + 1)}
            pushed = [n for n, state in states.items() if state == found]
            assert pushed, f"after push {last}, the store holds {found}"
            start = pushed[-1] + 1
            survived += 1
    finally:
        server.stop()
    assert survived == kills("push")


def registers(folder: Path) -> list[Path]:
    """The fixture register and two later exports of it, each with a row less."""
    lines = sample_lines()
    second = [line.replace("Data generated: 2 Feb 2025", "Data generated: 3 Feb 2025") for line in lines
              if not line.startswith("Angola,Czechoslovakia")]
    third = [line.replace("Data generated: 3 Feb 2025", "Data generated: 4 Feb 2025") for line in second]
    del third[-1]
    return [SAMPLE, write_lines(folder, second, "second.csv"), write_lines(folder, third, "third.csv")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def imported(folder: Path, shas: list[str]) -> int | None:
    """Which register the import in ``folder`` is of (None: no import), read as a build reads it, after
    checking that its data is the data its manifest describes."""
    manifest = read_manifest(folder)
    if manifest is None:
        assert not (folder / DATA_NAME).exists(), "data without a manifest"
        return None
    assert sha256(folder / DATA_NAME) == manifest["data"]["sha256"], "the data is not the manifest's"
    return shas.index(manifest["source"]["sha256"])


def test_sipri_imports_killed_at_random_moments_leave_one_whole_import(tmp_path, driver):
    """``kzgraph import sipri`` of three exports in turn into one folder, SIGKILLed at random moments: the folder
    holds the import of the last acknowledged one or of the one in flight, its data the data of its manifest."""
    sources = registers(tmp_path)
    shas = [sha256(path) for path in sources]
    folder = tmp_path / "imports"
    driver.send({"kind": "curated"})
    assert driver.next(300) == "ready"
    rng, duration, start, survived = random.Random(1803), 0.1, 0, 0
    for _ in range(kills("import")):
        last, duration = driver.kill_during({"kind": "import", "registers": [str(r) for r in sources],
                                             "folder": str(folder), "start": start}, rng, duration)
        found = imported(folder, shas)
        done = [n for n in (last, last + 1) if (n % 3 if n >= 0 else None) == found]
        assert done, f"after import {last}, the folder holds the import of register {found}"
        start = done[-1] + 1
        survived += 1
    assert survived == kills("import")


def test_a_sipri_import_killed_between_moving_its_data_and_its_manifest_is_completed(tmp_path, driver):
    sources = registers(tmp_path)
    shas = [sha256(path) for path in sources]
    folder = tmp_path / "imports"
    driver.send({"kind": "curated"})
    assert driver.next(300) == "ready"
    driver.run_until_gone({"kind": "import", "registers": [str(sources[0])], "folder": str(folder), "start": 0,
                           "stop_after": 1})
    assert imported(folder, shas) == 0
    driver.run_until_gone({"kind": "import", "registers": [str(sources[1])], "folder": str(folder), "start": 0,
                           "die_before_replacing": MANIFEST_NAME})
    assert imported(folder, shas) == 1


LOAD_SIZES = (500, 800, 1200)
LOAD_GRAPH = "http://example.org/load/"
BASE_QUAD = '<http://example.org/base> <http://example.org/p> "base" <http://example.org/base-graph> .\n'


def load_files(folder: Path) -> list[Path]:
    files = []
    for k, size in enumerate(LOAD_SIZES):
        path = folder / f"load-{k}.nt"
        path.write_text("".join(f'<http://example.org/f{k}/{i}> <http://example.org/p> "{i}" .\n'
                                for i in range(size)), encoding="utf-8")
        files.append(path)
    return files


def loaded_graphs(store: Path) -> dict[str, int]:
    """The graphs of a store opened as kzgraph opens it (completing a load killed while it replaced the store)
    and their triples."""
    folders.recover(store)
    opened = ox.Store(str(store))
    found = Counter(getattr(quad.graph_name, "value", "(the default graph)") for quad in opened)
    del opened
    gc.collect()
    return dict(found)


def test_bulk_loads_killed_at_random_moments_load_each_file_whole_or_not_at_all(tmp_path, driver):
    """``kzgraph load`` of files of 500 to 1,200 triples in turn into a persistent store, load n into its own
    graph, SIGKILLed at random moments: the store holds what it held, and every acknowledged load whole, and the
    load in flight whole or not at all."""
    files = load_files(tmp_path)
    store = tmp_path / "store"
    base = tmp_path / "base.nq"
    base.write_text(BASE_QUAD, encoding="utf-8")
    bulk_load([base], store)
    rng, duration, start, survived = random.Random(1804), 0.3, 0, 0
    for _ in range(kills("load")):
        last, duration = driver.kill_during({"kind": "load", "files": [str(f) for f in files], "store": str(store),
                                             "graph": LOAD_GRAPH, "start": start}, rng, duration)
        found = loaded_graphs(store)
        states = {n: {"http://example.org/base-graph": 1,
                      **{f"{LOAD_GRAPH}{k}": LOAD_SIZES[k % 3] for k in range(n + 1)}} for n in (last, last + 1)}
        done = [n for n, state in states.items() if state == found]
        assert done, f"after load {last}, the store holds {found}"
        start = done[-1] + 1
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.")] == [], "staging left behind"
        survived += 1
    assert survived == kills("load")


def test_a_load_that_fails_leaves_the_store_as_it_was(tmp_path):
    files = load_files(tmp_path)
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://example.org/s> <http://example.org/p> .\n", encoding="utf-8")
    store = tmp_path / "store"
    base = tmp_path / "base.nq"
    base.write_text(BASE_QUAD, encoding="utf-8")
    bulk_load([base], store)
    with pytest.raises(Exception, match=r"broken\.nt"):
        bulk_load([files[0], broken], store)
    assert loaded_graphs(store) == {"http://example.org/base-graph": 1}


def test_a_load_killed_while_its_copy_replaces_the_store_is_completed_when_the_store_is_opened(tmp_path, driver):
    files = load_files(tmp_path)
    store = tmp_path / "store"
    base = tmp_path / "base.nq"
    base.write_text(BASE_QUAD, encoding="utf-8")
    bulk_load([base], store)
    driver.run_until_gone({"kind": "load", "files": [str(files[0])], "store": str(store), "graph": LOAD_GRAPH,
                           "start": 0, "die_before_replacing": "store"})
    assert not store.exists()  # the store moved aside, the load beside it
    kg = open_store(store)
    assert len(kg) == 1 + LOAD_SIZES[0]
    kg.close()
    assert loaded_graphs(store) == {"http://example.org/base-graph": 1, f"{LOAD_GRAPH}0": LOAD_SIZES[0]}


def test_a_write_interrupted_after_its_journal_is_completed_when_the_store_is_served_again(tmp_path):
    store_path = tmp_path / "store"
    kg = open_store(store_path)
    kg.graph(URIRef(GRAPH)).add((URIRef("http://example.org/old"), URIRef("http://example.org/p"), Literal(1)))
    old = ox.Quad(ox.NamedNode("http://example.org/old"), ox.NamedNode("http://example.org/p"),
                  ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                  ox.NamedNode(GRAPH))
    new = ox.Quad(ox.NamedNode("http://example.org/new"), ox.NamedNode("http://example.org/p"), ox.Literal("2"),
                  ox.NamedNode(GRAPH))
    # what commit() leaves when the process dies right after writing its journal
    journal_path(store_path).write_bytes(pickle.dumps(Delta(removed=[old], added=[new])))
    journal_path(store_path).with_name(journal_path(store_path).name + ".partial").write_bytes(b"half a jour")
    with GuardedStore(kg, Limits(workers=1)) as guarded:
        rows = {str(row[0]) for row in guarded.query(f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")}
    kg.close()
    assert rows == {"http://example.org/new"}
    assert not journal_path(store_path).exists()
    assert not journal_path(store_path).with_name(journal_path(store_path).name + ".partial").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_server(tmp_path):
    store = tmp_path / "store"
    kg = open_store(store)
    kg.graph(URIRef(GRAPH)).add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1)))
    for i in range(60):
        kg.graph(URIRef(GRAPH)).add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"), Literal(i)))
    kg.close()
    port = free_port()
    server = start_server(store, port)

    def runaway() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the server is killed meanwhile
            httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": RUNAWAY}, timeout=120)

    threading.Thread(target=runaway, daemon=True).start()
    time.sleep(1.0)  # the runaway query is running in a worker
    processes = set(process_tree(server.pid)) - {server.pid}
    assert processes, "the server has worker processes"
    server.send_signal(signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(pid) for pid in processes):
        time.sleep(0.1)
    left = [pid for pid in processes if alive(pid)]
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes {left} outlived their server"


def test_clients_repeating_a_runaway_query_leave_a_worker_to_everyone_else():
    kg = open_store("oxigraph")
    for i in range(60):
        kg.graph(URIRef(GRAPH)).add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"), Literal(i)))
    with GuardedStore(kg, Limits(workers=2, timeout=3, wait=1)) as guarded:
        with pytest.raises(Exception):  # noqa: B017 (a QueryTimeout: the query is now known to run long)
            guarded.query(RUNAWAY)
        stop = threading.Event()
        refused: list[str] = []

        def runaway_client() -> None:
            while not stop.is_set():
                try:
                    guarded.query(RUNAWAY)
                except Overloaded:
                    refused.append("runaway")
                except Exception:  # its time limit
                    pass

        clients = [threading.Thread(target=runaway_client, daemon=True) for _ in range(2)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        answered, overloaded = 0, 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                assert guarded.query("ASK { ?s ?p 7 }").askAnswer is True
                answered += 1
            except Overloaded:
                overloaded += 1
        stop.set()
        for client in clients:
            client.join(10)
    assert overloaded == 0 and answered > 20, (answered, overloaded)
    assert refused, "the second runaway client waited for the slow lane"


ACCEPTS = st.sampled_from(["*/*", "image/png", "application/json", "application/xml", "text/csv;q=0.5, */*;q=0.1",
                           "text/turtle", "application/sparql-results+json;q=0", ";;,", "text/*", ""])
QUERY_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(lambda a, b: f"SELECT * WHERE {{ {a} }} {b}", st.text(max_size=60), st.text(max_size=20)),
    st.sampled_from(['SELECT ("\\uD800" AS ?x) {}', "ASK {}", "SELECT * { ?s ?p ?o } LIMIT 3",
                     "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <http://example.org/s1>", "SELECT (" * 40, "{" * 500,
                     "SELECT ?x WHERE { BIND(1/0 AS ?x) }"]),
)


@pytest.fixture(scope="module")
def hostile_endpoint():
    kg = open_store("oxigraph")
    for i in range(20):
        kg.graph(URIRef(GRAPH)).add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"), Literal(i)))
    with serving(create_app(kg, workers=1, timeout=5)) as url:
        yield url


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=QUERY_TEXT, accept=ACCEPTS, graph=st.one_of(st.none(), st.text(max_size=30)),
       post=st.booleans(), raw=st.binary(max_size=40))
def test_hostile_inputs_never_get_a_500_or_a_hang(hostile_endpoint, text, accept, graph, post, raw):
    params = {} if graph is None else {"default-graph-uri": graph}
    with httpx.Client(timeout=30) as client:
        if post:
            answer = client.post(f"{hostile_endpoint}/sparql", params=params, content=text.encode("utf-8", "replace")
                                 + (raw if len(text) % 2 else b""),
                                 headers={"Content-Type": "application/sparql-query", "Accept": accept})
        else:
            answer = client.get(f"{hostile_endpoint}/sparql", params={"query": text, **params},
                                headers={"Accept": accept})
    assert answer.status_code < 500 or answer.status_code == 503, (answer.status_code, answer.text[:300])


def test_answers_longer_than_a_pipe_buffer_are_read_whole_one_after_another():
    """A worker's reply is awaited on the event loop, which makes the pipe non-blocking: a reply longer than the
    pipe's buffer (64 KiB) was then read in part and taken for a dead worker (503), now and then."""
    kg = open_store("oxigraph")
    for i in range(1500):
        kg.graph(URIRef(GRAPH)).add((URIRef(f"http://example.org/long/{i}"), URIRef("http://example.org/p"),
                                     Literal(f"value {i} " * 5)))
    with serving(create_app(kg, workers=1)) as url, httpx.Client(timeout=60) as client:
        answers = [client.get(f"{url}/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}) for _ in range(12)]
    assert [a.status_code for a in answers] == [200] * 12, [a.text[:200] for a in answers if a.status_code != 200]
    assert all(len(a.content) > 200_000 and len(a.json()["results"]["bindings"]) == 1500 for a in answers)
