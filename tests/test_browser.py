"""The pages in a real browser: headless chromium (Debian's package) driven through chromedriver over the W3C
WebDriver protocol, against uvicorn serving the real build. Screenshots are kept in the test's tmp folder."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kzgraph.endpoint.app import create_app

from . import webdriver
from .helpers import serving

pytestmark = pytest.mark.skipif(
    not webdriver.available(), reason="chromium and chromium-driver are not installed (scripts/install-system-deps.sh)")
SEEDS = Path(os.environ.get("KZGRAPH_SOURCES") or Path(__file__).resolve().parents[2] / "shared" / "seeds")
BASE = "https://w3id.org/kzgraph/"
MEMBERSHIPS_OF_KAZ = f"""PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT DISTINCT ?m ?start ?end WHERE {{ ?m a kz:Membership ; ?by <{BASE}id/state/KAZ> .
  OPTIONAL {{ ?m kz:startDate ?start }} OPTIONAL {{ ?m kz:endDate ?end }} }}"""
COUNT_BY_ORGANISATION = """PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT ?organisation (COUNT(?membership) AS ?members) WHERE { ?membership kz:organisation ?organisation }
GROUP BY ?organisation ORDER BY DESC(?members) ?organisation"""


@pytest.fixture(scope="module")
def site(real_graph):
    with serving(create_app(real_graph, sources=SEEDS)) as url:
        yield url


@pytest.fixture(scope="module")
def downloaded(tmp_path_factory) -> Path:
    """Where the browser's downloads go."""
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory, downloaded):
    with webdriver.browser(tmp_path_factory.mktemp("chromium-profile"), downloads=downloaded) as session:
        yield session


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots are kept (pytest's tmp folder of this module)."""
    return tmp_path_factory.mktemp("screenshots")


def editor_rows(chromium) -> list[list[str]]:
    return chromium.run("""return Array.from(document.querySelectorAll('#editor .yasr table tbody tr'))
        .map(row => Array.from(row.querySelectorAll('td')).map(td => td.innerText.trim()));""")


def test_the_query_editor_runs_a_query_typed_into_it_and_shows_the_rows(site, chromium, shots, real_graph):
    chromium.open(site + "/")
    chromium.wait_for("return !!window.kzgraphEditor && !!document.querySelector('#editor .CodeMirror')")
    assert chromium.run("return document.getElementById('plain-form').hidden"), "the editor replaces the form"
    chromium.run("window.kzgraphEditor.getTab().getYasqe().setValue(arguments[0])", COUNT_BY_ORGANISATION)
    chromium.click("#editor .yasqe_queryButton")
    expected = list(real_graph.query(COUNT_BY_ORGANISATION))
    chromium.wait_for("return document.querySelectorAll('#editor .yasr table tbody tr').length >= arguments[0]",
                      min(len(expected), 10))
    rows = editor_rows(chromium)
    assert len(rows) == min(len(expected), 50), "the first page of the rows"
    assert rows[0] == ["io:" + str(expected[0][0])[len(BASE + "id/org/"):], str(expected[0][1])], rows[0]
    chromium.screenshot(shots / "query-editor.png")
    loaded = chromium.run("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(site + "/") for url in loaded), "the editor asks nothing of other sites"


def test_the_editor_draws_a_result_as_a_chart(site, chromium, shots):
    chromium.open(site + "/?" + urlencode({"query": COUNT_BY_ORGANISATION}))
    chromium.wait_for("return document.querySelectorAll('#editor .yasr table tbody tr').length > 0")
    chromium.run("Array.from(document.querySelectorAll('#editor .yasr button'))"
                 ".find(b => b.innerText.trim().endsWith('Chart')).click()")
    bars = chromium.wait_for("return document.querySelectorAll('#editor .kz-chart svg rect').length")
    assert bars > 5
    chromium.screenshot(shots / "query-chart.png")


def test_the_editor_completes_the_projects_properties(site, chromium):
    chromium.open(site + "/")
    chromium.wait_for("return !!window.kzgraphEditor && !!document.querySelector('#editor .CodeMirror')")
    chromium.run("""const yasqe = window.kzgraphEditor.getTab().getYasqe();
        yasqe.setValue('PREFIX kz: <https://w3id.org/kzgraph/ontology#>\\nSELECT * WHERE { ?s kz:membe');
        yasqe.focus(); yasqe.setCursor(yasqe.lastLine(), 1000); yasqe.autocomplete();""")
    hints = chromium.wait_for(
        "return Array.from(document.querySelectorAll('.CodeMirror-hints li')).map(li => li.innerText)")
    assert "kz:memberOf" in hints and "kz:member" in hints


def test_kazakhstans_page_shows_its_memberships_with_dates_at_the_top(site, chromium, shots, real_graph):
    chromium.open(site + "/id/state/KAZ")
    box = chromium.wait_for("const svg = document.querySelector('.timeline-box svg');"
                            "return svg && svg.getBoundingClientRect().toJSON()")
    assert box["top"] < 600, "the timeline is seen without scrolling"
    bars = chromium.run("return Array.from(document.querySelectorAll('.timeline-box rect.bar'))"
                        ".map(r => r.querySelector('title').textContent)")
    dated = [(str(s), e) for _, s, e in real_graph.query(MEMBERSHIPS_OF_KAZ) if s is not None]
    assert len(bars) == len(dated) > 10
    for start, end in dated:
        dates = f"since {start} (no end recorded)" if end is None else (
            start if start == str(end) else f"{start} – {end}")
        assert any(title.endswith(": " + dates) for title in bars), (dates, bars)
    shown = chromium.run("return Array.from(document.querySelectorAll('table[data-group=memberships] td.dates'))"
                         ".map(td => td.innerText)")
    assert len(shown) == len(list(real_graph.query(MEMBERSHIPS_OF_KAZ)))
    chromium.screenshot(shots / "kazakhstan.png")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source documents are not beside the repository")
def test_a_fact_page_shows_its_cited_lines(site, chromium, shots, real_graph):
    fact = "id/membership/kaz-pfp-partner-1995"
    cited = sorted((str(d), int(a), int(b)) for d, a, b in real_graph.query(f"""
        PREFIX kz: <https://w3id.org/kzgraph/ontology#>
        SELECT ?name ?a ?b WHERE {{ <{BASE}{fact}> kz:citation [ kz:document ?d ; kz:lineStart ?a ; kz:lineEnd ?b ] .
        ?d kz:fileName ?name }}"""))
    chromium.open(site + "/" + fact)
    shown = chromium.wait_for("const pres = document.querySelectorAll('figure.cited pre.passage');"
                              "return pres.length && Array.from(pres).map(p => p.innerText).join('\\n')")
    for name, start, end in cited:
        lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()[start - 1:end]
        passage = max(lines, key=len).strip()
        assert passage in shown, (name, start, end)
    chromium.screenshot(shots / "fact-cited-lines.png")


def test_a_shared_link_opens_the_query_and_runs_it(site, chromium, real_graph):
    leases = "SELECT ?x WHERE { ?x a <https://w3id.org/kzgraph/ontology#Lease> }"
    chromium.open(site + "/")
    chromium.wait_for("return !!window.kzgraphEditor && !!document.querySelector('#editor .CodeMirror')")
    chromium.run("window.kzgraphEditor.getTab().getYasqe().setValue(arguments[0])", leases)
    chromium.click("#editor .yasqe_share")
    link = chromium.wait_for("const i = document.querySelector('#editor .yasqe_sharePopup input, "
                             "#editor .yasqe_sharePopup textarea'); return i && i.value")
    assert link.startswith(site + "/")
    chromium.open("about:blank")
    chromium.open(link)
    chromium.wait_for("return !!window.kzgraphEditor && "
                      "document.querySelectorAll('#editor .yasr table tbody tr').length > 0")
    assert chromium.run("return window.kzgraphEditor.getTab().getQuery()") == leases
    assert len(editor_rows(chromium)) == len(list(real_graph.query(leases)))


def test_a_cut_result_says_so_and_the_download_link_under_the_editor_gives_every_row(chromium, shots, downloaded,
                                                                                     real_graph):
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    [(total,)] = list(real_graph.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {everything} }}"))
    # a small row limit, so the editor shows fewer rows; a time limit no loaded machine reaches, so the download
    # is never cut (a cut CSV cannot say so in its body)
    with serving(create_app(real_graph, max_rows=1000, timeout=600)) as site:
        chromium.open(site + "/")
        chromium.wait_for("return !!window.kzgraphEditor && !!document.querySelector('#editor .CodeMirror')")
        chromium.run("window.kzgraphEditor.getTab().getYasqe().setValue(arguments[0])", everything)
        chromium.click("#editor .yasqe_queryButton")
        cut = chromium.wait_for("const n = document.querySelector('#editor .kz-cut'); return n && n.innerText")
        assert "row limit of 1000 rows" in cut and "download every row" in cut
        chromium.screenshot(shots / "query-cut.png")
        link = chromium.run("return document.querySelector('#editor-downloads a[data-format=csv]').href")
        assert link.startswith(site + "/sparql/download?") and "format=csv" in link
        before = set(downloaded.iterdir())
        chromium.click("#editor-downloads a[data-format=csv]")
        done = webdriver.finished_download(downloaded, before, ".csv")
        assert done.name == "query.csv"
        rows = list(csv.reader(io.StringIO(done.read_text(encoding="utf-8"))))
        assert rows, "the downloaded query.csv is empty"
        assert rows[0] == ["s", "p", "o"] and len(rows) - 1 == int(total) > 1000
        chromium.run("window.kzgraphEditor.getTab().getYasqe().setValue(arguments[0])",
                     "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        shown = chromium.wait_for("const v = Array.from(document.querySelectorAll('#editor-downloads a'))"
                                  ".filter(a => a.offsetParent !== null).map(a => a.innerText);"
                                  "return v.includes('Turtle') && v")
        assert shown == ["Turtle", "N-Triples"], "a graph downloads as Turtle or N-Triples"
