"""`kzgraph serve` as a user runs it: a real process over a build, its options and its exit codes; and the
endpoint over the real build answering like the Python API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Namespace, URIRef

from kzgraph.build.pipeline import assemble
from kzgraph.endpoint.app import create_app
from kzgraph.sparql.queries import resolve
from kzgraph.store.loading import project_files

from .helpers import free_port, publish_build, serving

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """A build folder whose dump is a small valid graph, as `kzgraph build` would publish it."""
    return publish_build(assemble(project_files(data=[FIXTURES / "csto-1992.ttl"])),
                         tmp_path_factory.mktemp("serve-build"))


def serve(build_dir, *args, env=None):
    port = free_port()
    environment = dict(os.environ, KZGRAPH_BUILD=str(build_dir), **(env or {}))
    process = subprocess.Popen([sys.executable, "-m", "kzgraph", "serve", "--port", str(port), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
                               start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def wait_for(process, url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=5)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("kzgraph serve did not start")


def stop(process) -> tuple[str, str]:
    """Stop the server as Ctrl-C would (killing it if it hangs); its standard output and error."""
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_serve_answers_with_its_limits_and_accepts_writes_with_the_token_from_the_environment(small_build):
    process, url = serve(small_build, "--max-rows", "2", "--workers", "1", env={"KZGRAPH_UPDATE_TOKEN": "from-env"})
    try:
        wait_for(process, url)
        rows = httpx.get(f"{url}/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"})
        assert len(rows.json()["results"]["bindings"]) == 2 and rows.headers["x-kzgraph-truncated"] == "true"
        sd = httpx.get(f"{url}/sparql", headers={"Accept": "application/n-triples"}).text
        assert str(SD.SPARQL11Update) in sd
        write = httpx.post(f"{url}/sparql",
                           content=b"INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> 1 } }",
                           headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer from-env"},
                           timeout=300)
        assert write.status_code == 200, write.text
        written = httpx.get(f"{url}/sparql",
                            params={"query": "ASK { GRAPH <http://example.org/g> { <http://a> <http://b> 1 } }"})
        assert written.json()["boolean"] is True
    finally:
        _, err = stop(process)
    assert "Traceback" not in err


def test_serve_is_read_only_without_a_token(small_build):
    process, url = serve(small_build, "--workers", "1", "--timeout", "10")
    try:
        wait_for(process, url)
        write = httpx.post(f"{url}/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
        assert write.status_code == 403
        assert "SPARQL11Update" not in httpx.get(f"{url}/sparql", headers={"Accept": "text/turtle"}).text
    finally:
        stop(process)


@pytest.mark.parametrize(("args", "env", "logged"), [
    ((), {}, False),
    (("--access-log",), {}, True),
    ((), {"KZGRAPH_ACCESS_LOG": "true"}, True),
    (("--no-access-log",), {"KZGRAPH_ACCESS_LOG": "true"}, False),
])
def test_serve_writes_a_line_per_request_only_with_the_access_log_on(small_build, args, env, logged):
    process, url = serve(small_build, "--workers", "1", *args, env=env)
    try:
        wait_for(process, url)
        assert httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p 42 }"}).status_code == 200
    finally:
        out, err = stop(process)
    assert ('"GET /sparql?query=' in out + err) is logged
    assert "Traceback" not in err


def test_a_bad_access_log_value_in_the_environment_exits_2(small_build):
    result = subprocess.run([sys.executable, "-m", "kzgraph", "serve"], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, KZGRAPH_BUILD=str(small_build), KZGRAPH_ACCESS_LOG="sometimes"))
    assert result.returncode == 2 and "KZGRAPH_ACCESS_LOG: 'sometimes' is not a valid value" in result.stderr


def test_serve_without_a_build_exits_3(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kzgraph", "serve"], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, KZGRAPH_BUILD=str(tmp_path)))
    assert result.returncode == 3 and "kzgraph build" in result.stderr


def test_serve_lists_its_options():
    result = subprocess.run([sys.executable, "-m", "kzgraph", "serve", "--help"], capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, COLUMNS="200"))
    for option in ("--timeout", "--store", "--update-token", "--allow-service", "--max-rows", "--max-query-length",
                   "--max-body", "--workers", "--worker-memory", "--write-timeout", "--access-log",
                   "--no-access-log"):
        assert option in result.stdout


def test_the_endpoint_over_the_real_build_answers_a_catalogue_query_like_the_python_api(real_graph):
    sparql = resolve("arms-transfers-by-supplier")
    expected = [[str(value) for value in row] for row in real_graph.query(sparql)]
    with serving(create_app(real_graph, workers=1)) as url:
        answer = httpx.get(f"{url}/sparql", params={"query": sparql}, timeout=120)
        sd = httpx.get(f"{url}/sparql", headers={"Accept": "text/turtle"}, timeout=120)
    assert answer.status_code == 200
    variables = answer.json()["head"]["vars"]
    got = [[b.get(v, {}).get("value", "None") for v in variables] for b in answer.json()["results"]["bindings"]]
    assert got == [[value if value != "None" else "None" for value in row] for row in expected] and got
    assert f"<{url}/sparql>" in sd.text and str(URIRef("https://w3id.org/kzgraph/graph/derived")) in sd.text
