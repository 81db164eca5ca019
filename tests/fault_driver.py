"""A process that runs kzgraph's own write, push, import and load code in children it forks, for the tests
that SIGKILL them (tests/test_reliability.py).

It imports kzgraph once and then reads commands, one JSON object a line, on its standard input. For each it
forks a child that prints ``pid P`` and then performs the operation again and again (operation ``start``,
``start + 1``, …; ``stop_after`` operations if given), printing ``ack N`` once operation N has returned: what
was acknowledged. The test kills
the child at a moment of its choosing; the driver prints ``gone`` when the child is dead, and the test then
checks the store. Forking a single-threaded process that has already imported kzgraph costs milliseconds,
where starting a fresh interpreter costs a second or more, so a hundred kills fit into the suite.

    PYTHONPATH=src python tests/fault_driver.py
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kzgraph.importers.sipri import load_curated, store_import
from kzgraph.service.bulk import bulk_load
from kzgraph.service.writes import Delta, commit, journal_path, recover
from kzgraph.store.push import push
from kzgraph.store.remote import Endpoint

Ack = Callable[[int], None]


def batch_quads(graph: str, size: int, n: int) -> list[ox.Quad]:
    """Write ``n``: ``size`` triples, each object the number of the write."""
    return [ox.Quad(ox.NamedNode(f"http://example.org/item/{i}"), ox.NamedNode("http://example.org/batch"),
                    ox.Literal(str(n)), ox.NamedNode(graph)) for i in range(size)]


def writes(command: dict[str, Any], ack: Ack) -> None:
    """The server's commit of a validated write to a persistent store (GuardedStore._commit): each write
    replaces the graph's triples by a new batch, removals and additions in one delta."""
    location = command["store"]
    store = ox.Store(location)
    recover(store, journal_path(location))  # as the server does when it starts
    graph = ox.NamedNode(command["graph"])
    n = command["start"]
    while True:
        delta = Delta(removed=list(store.quads_for_pattern(None, None, None, graph)),
                      added=batch_quads(command["graph"], command["size"], n))
        commit(store, delta, journal_path(location))
        ack(n)
        n += 1


def pushes(command: dict[str, Any], ack: Ack) -> None:
    """``kzgraph push`` of the dumps in turn (push ``n`` sends dump ``n % len(dumps)``)."""
    endpoint = Endpoint(command["query_url"], command["update_url"], timeout=30)
    dumps = [Path(dump) for dump in command["dumps"]]
    n = command["start"]
    while True:
        push(dumps[n % len(dumps)], endpoint, batch_size=command["batch"])
        ack(n)
        n += 1


CURATED: list[Any] = []


def imports(command: dict[str, Any], ack: Ack) -> None:
    """``kzgraph import sipri`` of the registers in turn into one imports folder."""
    registers = [Path(register) for register in command["registers"]]
    n = command["start"]
    while True:
        store_import(registers[n % len(registers)], Path(command["folder"]), CURATED[0], allow_older=True)
        ack(n)
        n += 1


def loads(command: dict[str, Any], ack: Ack) -> None:
    """``kzgraph load`` of the files in turn into a persistent store, load ``n`` into the graph
    ``<graph>n``."""
    files = [Path(file) for file in command["files"]]
    n = command["start"]
    while True:
        bulk_load([files[n % len(files)]], Path(command["store"]), graph=f"{command['graph']}{n}")
        ack(n)
        n += 1


OPERATIONS: dict[str, Callable[[dict[str, Any], Ack], None]] = {
    "write": writes, "push": pushes, "import": imports, "load": loads}


def die_before_replacing(name: str) -> None:
    """Make the process kill itself when it is about to move a file or folder called ``name`` into place: a
    kill at that very moment, which random kills seldom hit."""
    replace = os.replace

    def dying(source: Any, destination: Any, **kwargs: Any) -> None:
        if Path(destination).name == name:
            os.kill(os.getpid(), 9)
        replace(source, destination, **kwargs)

    os.replace = dying  # type: ignore[assignment]


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def acknowledge(n: int, command: dict[str, Any]) -> None:
    """Say that operation ``n`` returned; end the child after ``stop_after`` operations, if given."""
    say(f"ack {n}")
    if "stop_after" in command and n + 1 - command["start"] >= command["stop_after"]:
        os._exit(0)


def main() -> None:
    for line in sys.stdin:
        command = json.loads(line)
        if command["kind"] == "curated":
            CURATED[:] = CURATED or [load_curated()]
            say("ready")
            continue
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                say(f"pid {os.getpid()}")
                if command.get("die_before_replacing"):
                    die_before_replacing(command["die_before_replacing"])
                OPERATIONS[command["kind"]](command, lambda n, command=command: acknowledge(n, command))
            except BaseException as error:  # reported to the test, which fails on it
                say(f"error {type(error).__name__}: {' '.join(str(error).split())[:500]}")
                status = 1
            finally:
                os._exit(status)
        os.waitpid(pid, 0)
        say("gone")


if __name__ == "__main__":
    main()
