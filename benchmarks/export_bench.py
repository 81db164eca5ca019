"""Time and peak memory of the exports, against networkx's own writers measured in the same run.

    .venv/bin/python benchmarks/export_bench.py [--nodes 20000] [--edges 200000] \
        [--cases real-cooperation real-kg synthetic]

Every measurement runs in a process of its own. Time is the wall time of writing the file (for
``export`` the whole command: SPARQL queries, projection, metrics, periods and writing); memory is the
growth of the peak resident set while writing (Linux: the high-water mark is reset through
/proc/self/clear_refs just before). Figures are printed in seconds and MiB and as multiples of the
baselines of the same case: time against networkx's ``write_graphml`` (its incremental lxml writer),
memory against networkx's ``write_graphml_xml`` (which builds the whole document tree first).

Cases:

* ``real-cooperation``: the cooperation projection of the last build (``kzgraph build`` first);
* ``real-kg``: the whole last build as a property graph, streamed from the store;
* ``synthetic``: a random multigraph with projection-like attributes (label, type, iri, vector, degree,
  betweenness; relation, weight, years, sources, fact IRIs) of ``--nodes`` nodes and ``--edges`` edges.

Writers: ``graphml``, ``gexf``, ``cyjs`` (kzgraph.export, from the networkx graph or the store);
``export-*`` (kzgraph.export.export from the store, real build only); the networkx baselines
``nx-graphml`` (write_graphml, lxml incremental), ``nx-graphml-tree`` (write_graphml_xml, whole
ElementTree), ``nx-gexf`` (write_gexf 1.2draft, whole tree) and ``nx-cyjs`` (json.dump of cytoscape_data).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

WRITERS = {
    "real-cooperation": ["nx-graphml", "nx-graphml-tree", "nx-gexf", "nx-cyjs", "graphml", "gexf", "cyjs",
                         "export-graphml", "export-gexf", "export-cyjs"],
    "real-kg": ["nx-graphml", "nx-graphml-tree", "nx-gexf", "nx-cyjs", "export-graphml", "export-gexf",
                "export-cyjs"],
    "synthetic": ["nx-graphml", "nx-graphml-tree", "nx-gexf", "nx-cyjs", "graphml", "gexf", "cyjs"],
}
BASELINE = "nx-graphml"  # time baseline
TREE = "nx-graphml-tree"  # memory baseline: the whole document in memory
STATE = "https://w3id.org/kzgraph/id/state/"


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def synthetic(nodes: int, edges: int) -> nx.MultiGraph:
    rng = random.Random(0)
    graph = nx.MultiGraph(name="synthetic")
    vectors = ["Russia-led", "China", "West", "Turkey and others", ""]
    for i in range(nodes):
        iri = f"{STATE}S{i:07d}"
        graph.add_node(iri, label=f"State {i} «Қ» & <{i}>", type="State", iri=iri, iso=f"S{i:02d}"[:3],
                       vector=rng.choice(vectors), degree=rng.randrange(100), betweenness=rng.random())
    relations = ["agreement", "exercise", "transfer", "lease", "training", "membership"]
    for j in range(edges):
        u, v = rng.randrange(nodes), rng.randrange(nodes)
        first = rng.randrange(1990, 2024)
        graph.add_edge(f"{STATE}S{u:07d}", f"{STATE}S{v:07d}", key=f"{rng.choice(relations)}-{j}",
                       relation=rng.choice(relations), weight=float(rng.randrange(1, 5)), first_year=first,
                       last_year=first + rng.randrange(5), sources=rng.randrange(1, 4),
                       facts=[f"https://w3id.org/kzgraph/id/agreement/a{j}"])
    return graph


def flat(graph: nx.Graph) -> nx.Graph:
    """The graph with lists joined and None left out (networkx's writers take neither)."""
    copy = graph.copy()
    for _, data in copy.nodes(data=True):
        for k in [k for k, v in data.items() if v is None]:
            del data[k]
    for *_, data in copy.edges(data=True):
        for k, v in list(data.items()):
            if v is None:
                del data[k]
            elif isinstance(v, list):
                data[k] = " ".join(v)
    copy.graph = {}
    return copy


def run(writer: str, case: str, kg, graph: nx.Graph, plain: nx.Graph, target: Path, warm_up: bool = False) -> None:
    """Write the graph with one writer. A warm-up run on a two-node graph first loads what the writer
    loads on first use (networkx its backends and XML libraries), which is not part of the timing."""
    from kzgraph import export as exporting
    from kzgraph.export.networks import from_networkx

    if warm_up:
        if writer.startswith("export-"):
            return
        graph = plain = nx.MultiGraph()
        graph.add_edge(STATE + "A", STATE + "B", key="x", relation="x", weight=1.0)
    if writer == "nx-graphml":
        nx.write_graphml(plain, target)
    elif writer == "nx-graphml-tree":
        nx.write_graphml_xml(plain, target)
    elif writer == "nx-gexf":
        nx.write_gexf(plain, target)
    elif writer == "nx-cyjs":
        with open(target, "w", encoding="utf-8") as out:
            json.dump(nx.cytoscape_data(plain), out, ensure_ascii=False)
    elif writer.startswith("export-"):
        options = {"graph": "kg"} if case == "real-kg" else {"projection": "cooperation"}
        exporting.export(kg, writer.removeprefix("export-"), target, **options)
    else:
        with open(target, "wb") as out:
            exporting.write(from_networkx(graph, case), writer, out)


def measure(case: str, writer: str, nodes: int, edges: int) -> dict:
    """Run one writer on one case in this process; return seconds and the growth of peak memory."""
    from kzgraph import export as exporting

    kg = None
    if case.startswith("real"):
        from kzgraph.analysis.projections import project
        from kzgraph.build.pipeline import open_build

        kg = open_build()
        graph = project(kg, "cooperation") if case == "real-cooperation" else None
        if graph is None:  # the whole graph in memory for the networkx baselines
            graph = nx.MultiDiGraph()
            chosen = exporting.stream(kg, "graphml", graph="kg")
            for node in chosen.nodes():
                graph.add_node(node.id, **exporting.elements.typed(node.attributes, chosen.node_schema))
            for edge in chosen.edges():
                graph.add_edge(edge.source, edge.target, key=edge.id, **edge.attributes)
    else:
        graph = synthetic(nodes, edges)
    plain = flat(graph)
    target = Path(tempfile.mkdtemp()) / "out"
    run(writer, case, kg, graph, plain, target.with_name("warm-up"), warm_up=True)
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    run(writer, case, kg, graph, plain, target)
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    return {"seconds": seconds, "peak_mib": max(0, peak - before) / 2**20, "bytes": target.stat().st_size,
            "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--cases", nargs="*", default=list(WRITERS), choices=list(WRITERS))
    parser.add_argument("--run", nargs=2, metavar=("CASE", "WRITER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(measure(*args.run, args.nodes, args.edges)))
        return
    for case in args.cases:
        results = {}
        for writer in WRITERS[case]:
            done = subprocess.run([sys.executable, __file__, "--run", case, writer, "--nodes", str(args.nodes),
                                   "--edges", str(args.edges)], capture_output=True, text=True,
                                  env=dict(os.environ))
            if done.returncode != 0:
                print(f"{case} {writer}: failed\n{done.stderr[-2000:]}")
                continue
            results[writer] = json.loads(done.stdout.strip().splitlines()[-1])
        if not results:
            continue
        any_result = next(iter(results.values()))
        print(f"\n{case}: {any_result['nodes']} nodes, {any_result['edges']} edges")
        print(f"{'writer':<18}{'time s':>10}{'x base':>9}{'peak MiB':>11}{'x tree':>9}{'size MiB':>11}")
        base, tree = results.get(BASELINE), results.get(TREE)
        for writer, r in results.items():
            ratio_t = f"{r['seconds'] / base['seconds']:.2f}" if base else "-"
            ratio_m = f"{r['peak_mib'] / tree['peak_mib']:.3f}" if tree and tree["peak_mib"] >= 1 else "-"
            print(f"{writer:<18}{r['seconds']:>10.2f}{ratio_t:>9}{r['peak_mib']:>11.1f}{ratio_m:>9}"
                  f"{r['bytes'] / 2**20:>11.1f}")


if __name__ == "__main__":
    main()
