"""Every way a user sends a query takes one path: the command line, the Python API, ``/sparql``, the query
page and a named query all give the same answer, or the same kind of error (exit code, exception class,
HTTP status), for the same input."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from kzgraph import KZGraph, Settings
from kzgraph.errors import QueryRefused, QuerySyntaxError, QueryTimeout, UnknownQueryName

from .helpers import kzgraph, serving

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = "1"

# each query in the layout of a catalogue query, so that it can be sent as text and by its name
GOOD = "SELECT ?org\nWHERE {\n  state:KAZ kz:memberOf ?org\n}\nORDER BY ?org"
CASES = {
    # name: (query text, exit code, exception class, HTTP status)
    "good": (GOOD, 0, None, 200),
    "malformed": ("SELECT ?x\nWHERE {\n  ?x\n}", 1, QuerySyntaxError, 400),
    "undeclared-prefix": ("SELECT ?x\nWHERE {\n  ?x nope:p ?y\n}", 1, QuerySyntaxError, 400),
    "refused-file": ("SELECT *\nFROM <file:///etc/passwd>\nWHERE {\n  ?s ?p ?o\n}", 1, QueryRefused, 400),
    "runaway": ("SELECT (COUNT(*) AS ?n)\nWHERE {\n  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i\n}", 1, QueryTimeout, 503),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory, real_build):
    """A project whose catalogue holds each case as a named query, over the real build."""
    folder = tmp_path_factory.mktemp("project")
    (folder / "ontology").symlink_to(ROOT / "ontology")
    (folder / "data").symlink_to(ROOT / "data")
    (folder / "queries").mkdir()
    for name, (text, *_) in CASES.items():
        (folder / "queries" / f"{name}.rq").write_text(
            f"# title: the {name} case\n# description: the query of the {name} case.\n{text}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def kg(project, real_build):
    settings = Settings.load({}, build_dir=real_build.folder.parent, timeout=float(TIMEOUT), workers=1)
    with KZGraph(project, settings=settings) as kg:
        yield kg


@pytest.fixture(scope="module")
def server(kg):
    with serving(kg.asgi_app()) as url:
        yield url


def cli(project, real_build, *args):
    return kzgraph("query", *args, "--project", str(project), "--format", "csv", build_dir=real_build.folder.parent,
                   KZGRAPH_TIMEOUT=TIMEOUT)


@pytest.mark.parametrize("case", CASES)
def test_the_command_line_exits_with_the_code_of_the_error(project, real_build, case):
    text, code, _, _ = CASES[case]
    assert cli(project, real_build, text).returncode == code
    assert cli(project, real_build, case).returncode == code  # the same query, by its name


@pytest.mark.parametrize("case", CASES)
def test_the_python_api_raises_the_error_of_the_case(kg, case):
    text, _, error, _ = CASES[case]
    if error is None:
        assert len(list(kg.query(text))) >= 1
        assert len(list(kg.query(case))) >= 1
        return
    with pytest.raises(error):
        kg.query(text)
    with pytest.raises(error):
        kg.query(case)


@pytest.mark.parametrize("case", CASES)
def test_sparql_the_query_page_and_the_named_query_answer_the_same_status(server, case):
    text, _, _, status = CASES[case]
    assert httpx.get(f"{server}/sparql", params={"query": text}, timeout=30).status_code == status
    assert httpx.get(f"{server}/", params={"query": text}, timeout=30).status_code == status
    named = httpx.get(f"{server}/queries/{case}", headers={"Accept": "text/csv"}, timeout=30)
    assert named.status_code == status


def test_the_good_query_gives_the_same_rows_everywhere(kg, server, project, real_build):
    expected = sorted(str(row.org) for row in kg.query(GOOD))
    assert expected and "https://w3id.org/kzgraph/id/org/CSTO" in expected
    over_cli = cli(project, real_build, GOOD).stdout.splitlines()[1:]
    assert sorted(line for line in over_cli if line) == expected
    over_http = httpx.get(f"{server}/sparql", params={"query": GOOD}, headers={"Accept": "text/csv"}).text
    assert sorted(line for line in over_http.splitlines()[1:] if line) == expected
    named = httpx.get(f"{server}/queries/good", headers={"Accept": "text/csv"}).text
    assert sorted(line for line in named.splitlines()[1:] if line) == expected


def test_an_unknown_named_query_is_a_usage_error_everywhere(kg, server, project, real_build):
    result = cli(project, real_build, "runawy")
    assert result.returncode == 2 and "did you mean 'runaway'?" in result.stderr
    with pytest.raises(UnknownQueryName, match="did you mean 'runaway'"):
        kg.query("runawy")
    assert httpx.get(f"{server}/queries/runawy", headers={"Accept": "text/csv"}).status_code == 404


def test_a_runaway_query_on_the_query_page_answers_503_not_400(server):
    answer = httpx.get(f"{server}/", params={"query": CASES["runaway"][0]}, timeout=30)
    assert answer.status_code == 503 and "stopped" in answer.text


def test_metrics_are_not_cut_by_the_row_limit_of_user_queries(real_graph, real_build):
    """The metrics' own projection queries are trusted reads: a server with a row limit of 100 answers
    the same figures as the metrics computed on the store directly."""
    from kzgraph.analysis import metrics
    from kzgraph.endpoint.app import create_app

    expected = metrics.compute(real_graph, "KAZ", 2010, 2012)
    with serving(create_app(real_graph, max_rows=100, workers=1)) as url:
        answer = httpx.get(f"{url}/metrics", params={"state": "KAZ", "from": 2010, "to": 2012}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json() == httpx.Response(200, json=expected).json()
        cut = httpx.get(f"{url}/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
        assert cut.headers["x-kzgraph-truncated"] == "true"  # user queries are still cut


def test_the_settings_come_from_the_environment_where_no_option_is_given(project, real_build):
    environment = dict(os.environ, KZGRAPH_PROJECT=str(project), KZGRAPH_BUILD=str(real_build.folder.parent))
    settings = Settings.load(environment)
    assert settings.project == project and KZGraph(settings=settings).project.root == project.resolve()
