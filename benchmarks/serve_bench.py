"""`kzgraph serve` against the Oxigraph server on the same data, side by side in one run.

For each size (synthetic graphs of 100 thousand and 1 million triples by default), the benchmark writes the
data as N-Quads, loads it twice — ``kzgraph load`` and ``oxigraph load`` — and starts both servers on
127.0.0.1: ``kzgraph serve --store`` (its default two workers) and ``oxigraph serve-read-only
--union-default-graph``. It measures, interleaving the two servers:

* load time; start to first answer (process start until ``ASK {}`` answers);
* resident memory of all of each server's processes (the server, its fork server and workers), after the
  queries ran;
* a fixed set of queries (point lookup, 2-hop join, aggregate, OPTIONALs with thousands of rows), SPARQL
  JSON, p50 and p95 over ``--repeat`` runs after a warm-up;
* throughput of concurrent point lookups (``--clients`` threads, ``--requests`` each, keep-alive), and the CPU
  time all of each server's processes spent per request meanwhile (less disturbed by a busy machine).

Ratios are kzgraph / Oxigraph (for throughput, kzgraph's requests per second over Oxigraph's).

    PYTHONPATH=src .venv/bin/python benchmarks/serve_bench.py [--sizes 100000,1000000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from processes import process_tree  # benchmarks/processes.py, beside this script

EX = "http://example.org/bench/"
GRAPH = "http://example.org/bench/graph"
OXIGRAPH = Path(sys.executable).with_name("oxigraph")

QUERIES = {
    "point lookup": f"SELECT ?p ?o WHERE {{ <{EX}person/42> ?p ?o }}",
    "2-hop join, LIMIT 100": f"SELECT ?a ?c WHERE {{ ?a <{EX}knows> ?b . ?b <{EX}worksFor> ?c }} LIMIT 100",
    "aggregate": f"SELECT ?org (COUNT(?p) AS ?n) (AVG(?age) AS ?mean) WHERE {{ ?p <{EX}worksFor> ?org ; "
                 f"<{EX}age> ?age }} GROUP BY ?org ORDER BY DESC(?n) LIMIT 20",
    "OPTIONALs, thousands of rows": f"SELECT ?p ?name ?email ?city WHERE {{ ?p a <{EX}Person> ; <{EX}age> 42 ; "
                                    f"<{EX}name> ?name OPTIONAL {{ ?p <{EX}email> ?email }} "
                                    f"OPTIONAL {{ ?p <{EX}city> ?city }} }}",
}
LOOKUP = "point lookup"


def generate(triples: int, path: Path, seed: int = 7) -> int:
    """A synthetic social graph of about ``triples`` triples as N-Quads in one named graph: people (type,
    name, age, sometimes an email and a city, two `knows`, an employer) and organisations."""
    rng = random.Random(seed)
    people = max(10, round(triples / 6.85))  # 6.85 triples per person on average, organisations aside
    organisations = max(5, people // 50)
    written = 0
    g = f"<{GRAPH}>"
    with path.open("w", encoding="utf-8") as out:
        for i in range(organisations):
            out.write(f'<{EX}org/{i}> <{EX}label> "Organisation {i}" {g} .\n')
            written += 1
        for i in range(people):
            s = f"<{EX}person/{i}>"
            lines = [f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Person> {g} .",
                     f'{s} <{EX}name> "Person {i}" {g} .',
                     f'{s} <{EX}age> "{18 + i % 60}"^^<http://www.w3.org/2001/XMLSchema#integer> {g} .',
                     f"{s} <{EX}worksFor> <{EX}org/{rng.randrange(organisations)}> {g} .",
                     f"{s} <{EX}knows> <{EX}person/{rng.randrange(people)}> {g} .",
                     f"{s} <{EX}knows> <{EX}person/{rng.randrange(people)}> {g} ."]
            if i % 2 == 0:
                lines.append(f'{s} <{EX}email> "p{i}@example.org" {g} .')
            if i % 3 == 0:
                lines.append(f'{s} <{EX}city> "City {i % 100}" {g} .')
            out.write("\n".join(lines) + "\n")
            written += len(lines)
    return written


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def resident_mb(pid: int, field: str = "Rss") -> float:
    """Memory of a process and its descendants: the sum of their resident set sizes (``Rss``, pages shared
    between them counted once per process) or of their proportional set sizes (``Pss``, shared pages divided
    among the processes that share them), in MB."""
    total = 0
    for each in process_tree(pid):
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Server:
    def __init__(self, name: str, command: list[str], url: str, env: dict[str, str] | None = None):
        self.name, self.url = name, url
        started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=dict(os.environ, **(env or {})), start_new_session=True)
        with httpx.Client(timeout=5) as client:
            while True:
                try:
                    if client.get(url, params={"query": "ASK {}"},
                                  headers={"Accept": "application/sparql-results+json"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if self.process.poll() is not None:
                    raise RuntimeError(f"{name} stopped with exit code {self.process.returncode}")
                time.sleep(0.01)
        self.startup = time.perf_counter() - started
        self.client = httpx.Client(timeout=300)

    def query(self, text: str) -> httpx.Response:
        answer = self.client.get(self.url, params={"query": text},
                                 headers={"Accept": "application/sparql-results+json"})
        answer.raise_for_status()
        return answer

    def memory(self, field: str = "Rss") -> float:
        return resident_mb(self.process.pid, field)

    def stop(self) -> None:
        self.client.close()
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def throughput(server: Server, clients: int, requests: int) -> tuple[float, float]:
    """Requests per second of ``clients`` concurrent clients, and the CPU time the server (all its
    processes) spent per request meanwhile, in seconds: a figure that a busy machine disturbs less."""
    text = QUERIES[LOOKUP]
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def client() -> None:
        with httpx.Client(timeout=120) as http:
            http.get(server.url, params={"query": "ASK {}"})
            barrier.wait()
            try:
                for _ in range(requests):
                    http.get(server.url, params={"query": text},
                             headers={"Accept": "application/sparql-results+json"}).raise_for_status()
            except BaseException as error:  # reported below
                errors.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), cpu_seconds(server.process.pid)
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(server.process.pid) - cpu
    if errors:
        raise RuntimeError(f"{server.name}: {errors[0]}")
    return clients * requests / elapsed, cpu / (clients * requests)


def measure(size: int, work: Path, args: argparse.Namespace) -> dict[str, object]:
    folder = work / f"size-{size}"
    folder.mkdir()
    dump = folder / "data.nq"
    triples = generate(size, dump)
    result: dict[str, object] = {"size": size, "triples": triples, "dump_mb": round(dump.stat().st_size / 2**20, 1)}
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"), "KZGRAPH_BUILD": str(folder / "build")}

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kzgraph", "load", str(dump), "--store", str(folder / "kz")], check=True,
                   capture_output=True, env=dict(os.environ, **env))
    kz_load = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([str(OXIGRAPH), "load", "--location", str(folder / "ox"), "--file", str(dump)], check=True,
                   capture_output=True)
    ox_load = time.perf_counter() - started
    result["load"] = {"kzgraph": kz_load, "oxigraph": ox_load}

    kz_port, ox_port = free_port(), free_port()
    kz = Server("kzgraph", [sys.executable, "-m", "kzgraph", "serve", "--store", str(folder / "kz"), "--port",
                            str(kz_port), "--workers", str(args.workers), "--timeout", "300", "--max-rows",
                            "1000000"], f"http://127.0.0.1:{kz_port}/sparql", env)
    ox = Server("oxigraph", [str(OXIGRAPH), "serve-read-only", "--location", str(folder / "ox"), "--bind",
                             f"127.0.0.1:{ox_port}", "--union-default-graph"], f"http://127.0.0.1:{ox_port}/query")
    try:
        result["startup"] = {"kzgraph": kz.startup, "oxigraph": ox.startup}
        queries: dict[str, object] = {}
        for name, text in QUERIES.items():
            rows = {}
            for server in (kz, ox):  # warm-up, and the same answer from both
                rows[server.name] = len(server.query(text).json()["results"]["bindings"])
            if rows["kzgraph"] != rows["oxigraph"]:
                raise RuntimeError(f"{name}: kzgraph answered {rows['kzgraph']} rows, Oxigraph {rows['oxigraph']}")
            times: dict[str, list[float]] = {"kzgraph": [], "oxigraph": []}
            for _ in range(args.repeat):
                for server in (kz, ox):  # interleaved
                    started = time.perf_counter()
                    server.query(text)
                    times[server.name].append(time.perf_counter() - started)
            queries[name] = {"rows": rows["kzgraph"],
                             **{f"{who}_{q}": percentile(values, p) for who, values in times.items()
                                for q, p in (("p50", 0.5), ("p95", 0.95))}}
        result["queries"] = queries
        rates = {server.name: throughput(server, args.clients, args.requests) for server in (kz, ox)}
        result["throughput"] = {name: rate for name, (rate, _) in rates.items()}
        result["cpu_per_request"] = {name: cpu for name, (_, cpu) in rates.items()}
        result["memory_mb"] = {"kzgraph": kz.memory(), "oxigraph": ox.memory()}
        result["pss_mb"] = {"kzgraph": kz.memory("Pss"), "oxigraph": ox.memory("Pss")}
    finally:
        kz.stop()
        ox.stop()
    return result


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} cores ({cpu}), {memory} MB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def markdown(results: list[dict[str, object]], args: argparse.Namespace) -> str:
    lines = [f"Machine: {machine()}", "",
             f"Command: `PYTHONPATH=src python benchmarks/serve_bench.py --sizes {args.sizes} --repeat {args.repeat} "
             f"--clients {args.clients} --requests {args.requests} --workers {args.workers}`", ""]
    for result in results:
        load, startup = result["load"], result["startup"]
        memory, pss, rate = result["memory_mb"], result["pss_mb"], result["throughput"]
        assert isinstance(load, dict) and isinstance(startup, dict) and isinstance(memory, dict)
        assert isinstance(pss, dict)
        assert isinstance(rate, dict)
        lines += [f"### {result['triples']:,} triples ({result['dump_mb']} MB of N-Quads)", "",
                  "| | kzgraph | Oxigraph server | ratio |", "|---|---|---|---|",
                  f"| load (`kzgraph load` / `oxigraph load`) | {load['kzgraph']:.2f} s | {load['oxigraph']:.2f} s "
                  f"| {load['kzgraph'] / load['oxigraph']:.2f} |",
                  f"| start to first answer | {startup['kzgraph']:.2f} s | {startup['oxigraph']:.2f} s "
                  f"| {startup['kzgraph'] / startup['oxigraph']:.1f} |",
                  f"| resident memory, all processes (sum of RSS) | {memory['kzgraph']:.0f} MB | "
                  f"{memory['oxigraph']:.0f} MB | {memory['kzgraph'] / memory['oxigraph']:.2f} |",
                  f"| proportional memory, all processes (sum of PSS) | {pss['kzgraph']:.0f} MB | "
                  f"{pss['oxigraph']:.0f} MB | {pss['kzgraph'] / pss['oxigraph']:.2f} |"]
        queries = result["queries"]
        assert isinstance(queries, dict)
        for name, figures in queries.items():
            lines.append(f"| {name} ({figures['rows']} rows), p50 / p95 | {figures['kzgraph_p50'] * 1000:.1f} / "
                         f"{figures['kzgraph_p95'] * 1000:.1f} ms | {figures['oxigraph_p50'] * 1000:.1f} / "
                         f"{figures['oxigraph_p95'] * 1000:.1f} ms | "
                         f"{figures['kzgraph_p50'] / figures['oxigraph_p50']:.2f} |")
        cpu = result["cpu_per_request"]
        assert isinstance(cpu, dict)
        lines += [f"| {args.clients} clients × {args.requests} point lookups | {rate['kzgraph']:.0f} req/s | "
                  f"{rate['oxigraph']:.0f} req/s | {rate['kzgraph'] / rate['oxigraph']:.2f} |",
                  f"| CPU time per point lookup meanwhile, all processes | {cpu['kzgraph'] * 1e6:.0f} µs | "
                  f"{cpu['oxigraph'] * 1e6:.0f} µs | {cpu['kzgraph'] / cpu['oxigraph']:.2f} |", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures as JSON here.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kzgraph-serve-bench-"))
    try:
        results = [measure(int(size), work, args) for size in args.sizes.split(",")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(markdown(results, args))


if __name__ == "__main__":
    main()
