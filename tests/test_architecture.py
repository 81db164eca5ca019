"""The package's modules depend on each other one way: no import cycles (imports inside functions
included), and the lower layers never import the layers that drive them."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kzgraph"
# a layer may import only the layers after it in this list (and itself)
LAYERS = ["cli", "app", "endpoint", "service", "export", "analysis", "build", "importers", "validation", "sparql",
          "store", "project", "settings", "namespaces", "errors"]


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph() -> nx.DiGraph:
    """Module → module it imports, from every import statement (at the top or inside a function)."""
    known = modules()
    graph = nx.DiGraph()
    for name, path in known.items():
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kzgraph"):
                submodules = [f"{node.module}.{alias.name}" for alias in node.names
                              if f"{node.module}.{alias.name}" in known]
                targets = submodules or [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names if alias.name.startswith("kzgraph")]
            graph.add_edges_from((name, target) for target in targets if target in known and target != name)
    return graph


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_modules_import_each_other_without_cycles():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == []


def test_a_layer_imports_only_the_layers_below_it():
    wrong = []
    for source, target in import_graph().edges:
        a, b = layer(source), layer(target)
        if a in LAYERS and b in LAYERS and LAYERS.index(b) < LAYERS.index(a):
            wrong.append(f"{source} imports {target}")
    assert wrong == []


def test_the_public_api_is_importable_from_the_package():
    import kzgraph

    for name in kzgraph.__all__:
        assert getattr(kzgraph, name) is not None


def test_every_error_survives_pickling_with_its_class_message_and_status():
    """Worker processes send errors back pickled; each must arrive as it was raised."""
    import pickle

    from kzgraph import errors

    made = [errors.ParseError("data/x.ttl", 3, "bad token"),
            errors.ProtocolError(406, "not acceptable", {"Vary": "Accept"}),
            errors.BuildError("failed", problems=["p"]), errors.WriteRejected("rejected", [{"severity": "Violation"}]),
            errors.QueryTimeout("stopped"), errors.UnknownQueryName("no query named 'x'"),
            errors.NotAcceptable("no image/png here")]
    for error in made:
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), str(back), back.http_status, back.headers) == (
            type(error), str(error), error.http_status, error.headers)
