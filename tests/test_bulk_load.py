"""`kzgraph load`: RDF dumps bulk-loaded into a persistent Oxigraph store, which the endpoint then serves."""

from __future__ import annotations

import gzip

import httpx

from kzgraph.endpoint.app import create_app
from kzgraph.store.local import open as open_store

from .helpers import kzgraph, serving

QUADS = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" <http://example.org/g> .\n' for i in range(50))


def test_kzgraph_load_fills_a_store_that_the_endpoint_serves(tmp_path):
    dump = tmp_path / "dump.nq"
    dump.write_text(QUADS, encoding="utf-8")
    triples = tmp_path / "more.nt.gz"
    triples.write_bytes(gzip.compress(b'<http://example.org/t> <http://example.org/p> "t" .\n'))
    done = kzgraph("load", str(dump), str(triples), "--store", str(tmp_path / "store"), "--graph",
                   "http://example.org/more", build_dir=tmp_path / "build")
    assert done.returncode == 0, done.stderr
    assert "loaded 2 file(s)" in done.stdout
    kg = open_store(tmp_path / "store")
    with serving(create_app(kg, workers=1)) as url:
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        answer = httpx.get(f"{url}/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    kg.close()
    assert answer.text.splitlines()[1:] == ["http://example.org/g,50", "http://example.org/more,1"]


def test_kzgraph_load_refuses_a_file_of_unknown_format_naming_it(tmp_path):
    dump = tmp_path / "dump.xyz"
    dump.write_text(QUADS, encoding="utf-8")
    done = kzgraph("load", str(dump), "--store", str(tmp_path / "store"), build_dir=tmp_path / "build")
    assert done.returncode != 0 and "dump.xyz" in done.stderr and "extension" in done.stderr


def test_kzgraph_load_reports_a_syntax_error_with_the_file(tmp_path):
    dump = tmp_path / "broken.nq"
    dump.write_text("<http://example.org/s> <http://example.org/p> .\n", encoding="utf-8")
    done = kzgraph("load", str(dump), "--store", str(tmp_path / "store"), build_dir=tmp_path / "build")
    assert done.returncode != 0 and "broken.nq" in done.stderr
