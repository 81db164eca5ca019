"""The named-query catalogue: header format, safe parameter binding, and each query's answer on the real data.

Answers on the real data are checked by rows that must be present and by an independent formulation of the
same question (another SPARQL query or a walk over the triples), never by total row counts, because the
curated data keeps growing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery

from kzgraph.sparql.catalogue import (
    CatalogueError,
    catalogue_markdown,
    load_catalogue,
    parse_params,
    parse_query_file,
    render_catalogue,
)
from kzgraph.sparql.queries import QUERIES_DIR, QueryError, resolve

from .helpers import kzgraph

ROOT = Path(__file__).resolve().parents[1]
KZ = Namespace("https://w3id.org/kzgraph/ontology#")
KZC = Namespace("https://w3id.org/kzgraph/id/concept/")
ID = "https://w3id.org/kzgraph/id/"
CATALOGUE = load_catalogue(QUERIES_DIR)

SIMPLE = """# title: Members of an organisation
# description: Who is a member of what.
# param: org iri default <https://w3id.org/kzgraph/id/org/CSTO> — the organisation
# param: name string — a label
PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT ?member ?org ?name
WHERE {
  ?member kz:memberOf ?org .
  OPTIONAL { ?member kz:label ?name }
}
ORDER BY ?member
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def simple(tmp_path):
    return parse_query_file(write(tmp_path, "members", SIMPLE))


# --- the header -------------------------------------------------------------------------------------------

def test_a_header_gives_title_description_and_typed_parameters_with_defaults(simple):
    assert simple.name == "members"
    assert simple.title == "Members of an organisation"
    assert simple.description == "Who is a member of what."
    org, name = simple.parameters
    assert (org.name, org.type, org.default, org.doc) == (
        "org", "iri", "<https://w3id.org/kzgraph/id/org/CSTO>", "the organisation")
    assert (name.name, name.type, name.default) == ("name", "string", None)


@pytest.mark.parametrize("bad_line, message", [
    ("# param: name\n", "malformed parameter"),
    ("# param: name colour — a colour\n", "unknown type 'colour'"),
    ("# param: name integer default 12a — a number\n", "default"),
    ("# param: 1org iri — an organisation\n", "not a SPARQL variable name"),
    ("# param: absent iri — not in the query\n", "not a variable ?absent"),
])
def test_a_malformed_parameter_line_is_reported_with_file_and_line(tmp_path, bad_line, message):
    text = SIMPLE.replace("# param: name string — a label\n", bad_line)
    path = write(tmp_path, "broken", text)
    with pytest.raises(CatalogueError, match=re.escape(message)) as error:
        parse_query_file(path)
    if "not a variable" not in message:
        assert f"{path}:4" in str(error.value)


def test_a_header_without_title_is_refused(tmp_path):
    path = write(tmp_path, "untitled", SIMPLE.replace("# title: Members of an organisation\n", ""))
    with pytest.raises(CatalogueError, match=rf"{path}:1: header has no '# title"):
        parse_query_file(path)


def test_a_second_title_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "twice", "# title: Another\n" + SIMPLE)
    with pytest.raises(CatalogueError, match=rf"{path}:2: second 'title'"):
        parse_query_file(path)


@pytest.mark.parametrize("where", ["SELECT * WHERE {", "  WHERE {", "WHERE { ?member kz:memberOf ?org ."])
def test_the_top_level_where_group_must_open_alone_on_an_unindented_line(tmp_path, where):
    path = write(tmp_path, "layout", SIMPLE.replace("SELECT ?member ?org ?name\nWHERE {", where))
    with pytest.raises(CatalogueError, match="WHERE"):
        parse_query_file(path)


def test_a_file_name_that_is_not_kebab_case_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match="kebab-case"):
        parse_query_file(write(tmp_path, "Members_Of", SIMPLE))


def test_the_catalogue_is_keyed_by_file_name(tmp_path):
    write(tmp_path, "members", SIMPLE)
    write(tmp_path, "all-members", SIMPLE)
    assert list(load_catalogue(tmp_path)) == ["all-members", "members"]


# --- binding ----------------------------------------------------------------------------------------------

def test_binding_inserts_a_values_block_as_first_element_of_the_where_group(simple):
    bound = simple.bind({"name": "CSTO"})
    lines = bound.split("\n")
    opening = lines.index("WHERE {")
    assert lines[opening + 1] == "  VALUES ?org { <https://w3id.org/kzgraph/id/org/CSTO> }"
    assert lines[opening + 2] == '  VALUES ?name { "CSTO" }'
    assert bound.replace(lines[opening + 1] + "\n" + lines[opening + 2] + "\n", "") == SIMPLE
    prepareQuery(bound)


def test_a_given_value_replaces_the_default_and_an_unset_parameter_without_default_stays_unbound(simple):
    bound = simple.bind({"org": "https://w3id.org/kzgraph/id/org/SCO"})
    assert "VALUES ?org { <https://w3id.org/kzgraph/id/org/SCO> }" in bound
    assert "CSTO" not in bound.split("WHERE {")[1]
    assert "VALUES ?name" not in bound


def test_project_prefixed_names_are_accepted_for_iri_parameters(simple):
    assert "VALUES ?org { <https://w3id.org/kzgraph/id/org/SCO> }" in simple.bind({"org": "io:SCO"})


def test_an_unknown_parameter_is_refused_by_name(simple):
    with pytest.raises(CatalogueError, match="no parameter 'colour'"):
        simple.bind({"colour": "red"})


@pytest.mark.parametrize("type_, value", [
    ("iri", "not an iri"), ("iri", "relative/path"), ("iri", "https://x.org/a b"),
    ("iri", "https://x.org/a>"), ("iri", '<https://x.org/a> } DROP ALL { <b>'),
    ("integer", "12a"), ("integer", "1 ; DROP ALL"), ("integer", ""),
    ("year", "99"), ("year", "2001-06"), ("date", "2001-02-30"), ("date", "15.06.2001"),
])
def test_a_value_that_does_not_fit_its_type_is_refused_by_parameter_name(tmp_path, type_, value):
    query = parse_query_file(write(tmp_path, "typed", SIMPLE.replace("name string", f"name {type_}")))
    with pytest.raises(CatalogueError, match="parameter 'name'"):
        query.bind({"name": value})


@pytest.mark.parametrize("type_, value, term", [
    ("integer", "-3", '"-3"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ("year", "2001", '"2001"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ("date", "2001-06-15", '"2001-06-15"^^<http://www.w3.org/2001/XMLSchema#date>'),
])
def test_typed_values_are_bound_as_typed_literals(tmp_path, type_, value, term):
    query = parse_query_file(write(tmp_path, "typed", SIMPLE.replace("name string", f"name {type_}")))
    assert f"VALUES ?name {{ {term} }}" in query.bind({"name": value})


INJECTIONS = ['"} DROP ALL ; INSERT DATA { <a:b> <a:c> <a:d> } #',
              "x\" } } ; CLEAR DEFAULT #",
              "line\nbreak \\ and 'quotes' \"\"\"",
              "} UNION { ?member ?p ?org }",
              "tab\there, form feed\f, carriage return\r"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_string_that_tries_to_end_the_literal_is_bound_as_that_very_string(tmp_path, value):
    labelled = parse_query_file(write(tmp_path, "labelled", SIMPLE.replace(
        "OPTIONAL { ?member kz:label ?name }", "?member kz:label ?name .")))
    graph = Graph()
    member = URIRef("https://example.org/m")
    graph.add((member, KZ.memberOf, URIRef("https://w3id.org/kzgraph/id/org/CSTO")))
    graph.add((member, KZ.label, Literal(value)))
    graph.add((URIRef("https://example.org/other"), KZ.memberOf, URIRef("https://w3id.org/kzgraph/id/org/CSTO")))
    before = set(graph)
    bound = labelled.bind({"name": value})
    assert prepareQuery(bound).algebra.name == "SelectQuery"
    rows = list(graph.query(bound))
    assert [(row.member, str(row.name)) for row in rows] == [(member, value)]
    assert set(graph) == before


def test_command_line_parameters_are_split_at_the_first_equals_sign():
    assert parse_params(["q=a=b", "year=2001"]) == {"q": "a=b", "year": "2001"}
    with pytest.raises(CatalogueError, match="NAME=VALUE"):
        parse_params(["year"])
    with pytest.raises(CatalogueError, match="given twice"):
        parse_params(["year=1", "year=2"])


def test_resolve_binds_catalogue_queries_and_keeps_text_and_files_as_they_are(tmp_path):
    write(tmp_path, "members", SIMPLE)
    assert "VALUES ?org { <https://w3id.org/kzgraph/id/org/SCO> }" in resolve(
        "members", queries=tmp_path, params={"org": "io:SCO"})
    assert resolve("SELECT * WHERE { ?s ?p ?o }", queries=tmp_path) == "SELECT * WHERE { ?s ?p ?o }"
    assert resolve(str(tmp_path / "members.rq"), queries=tmp_path) == SIMPLE
    with pytest.raises(QueryError, match="no parameter 'colour'"):
        resolve("members", queries=tmp_path, params={"colour": "red"})
    with pytest.raises(QueryError, match="catalogue queries only"):
        resolve(str(tmp_path / "members.rq"), queries=tmp_path, params={"org": "io:SCO"})


# --- the catalogue itself ---------------------------------------------------------------------------------

def test_the_catalogue_holds_at_least_25_queries_with_parameters_of_every_kind():
    assert len(CATALOGUE) >= 25
    assert {p.type for q in CATALOGUE.values() for p in q.parameters} >= {"iri", "year"}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_catalogue_query_parses_as_standard_sparql_with_its_defaults(name):
    assert prepareQuery(CATALOGUE[name].bind({})).algebra.name == "SelectQuery"


@pytest.fixture(scope="module")
def rdflib_graph(real_build):
    """The real build on rdflib's own store and SPARQL engine."""
    from kzgraph.build.pipeline import open_build

    return open_build("memory", out=real_build.folder.parent)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_catalogue_query_gives_the_same_rows_in_the_same_order_on_rdflib_and_oxigraph(
        name, real_graph, rdflib_graph):
    sparql = CATALOGUE[name].bind({})
    on_oxigraph = [tuple(map(str, row)) for row in real_graph.query(sparql)]
    on_rdflib = [tuple(map(str, row)) for row in rdflib_graph.query(sparql)]
    assert on_rdflib == on_oxigraph


def test_docs_list_the_catalogue_as_generated_from_the_headers():
    assert catalogue_markdown(CATALOGUE) in (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")


def test_kzgraph_query_list_prints_the_catalogue_in_every_list_format(tmp_path):
    markdown = kzgraph("query", "--list", "--format", "markdown", build_dir=tmp_path)
    assert markdown.returncode == 0 and markdown.stdout == render_catalogue(CATALOGUE, "markdown")
    table = kzgraph("query", "--list", build_dir=tmp_path)
    assert table.returncode == 0 and "memberships-over-time" in table.stdout
    assert kzgraph("query", "--list", "--format", "yaml", build_dir=tmp_path).returncode == 2


def test_kzgraph_query_name_binds_parameters_and_refuses_unknown_ones(real_build):
    build_dir = real_build.folder.parent
    answer = kzgraph("query", "memberships-over-time", "--param", "state=state:UZB", "--format", "csv",
                     build_dir=build_dir)
    assert answer.returncode == 0, answer.stderr
    assert f"{ID}membership/uzb-csto-member-2006" in answer.stdout
    assert f"{ID}membership/kaz-csto-founding-member-1992" not in answer.stdout
    unknown = kzgraph("query", "leases", "--param", "colour=red", build_dir=build_dir)
    assert unknown.returncode == 2 and "colour" in unknown.stderr
    bad = kzgraph("query", "memberships-over-time", "-p", "state=https://x.org/a> } DROP ALL {",
                  build_dir=build_dir)
    assert bad.returncode == 2 and "state" in bad.stderr


# --- answers on the real data -----------------------------------------------------------------------------

def answer(kg, name, **params):
    """The rows of a catalogue query as dicts of strings (None for unbound)."""
    result = kg.query(CATALOGUE[name].bind(params))
    return [{str(var): (None if row[var] is None else str(row[var])) for var in result.vars} for row in result]


def column(rows, key):
    return {row[key] for row in rows}


def iris(kg, sparql):
    return {str(row[0]) for row in kg.query("PREFIX kz: <https://w3id.org/kzgraph/ontology#>\n"
                                             "PREFIX kzc: <https://w3id.org/kzgraph/id/concept/>\n" + sparql)}


def has_row(rows, **expected):
    return any(all(row.get(key) == value for key, value in expected.items()) for row in rows)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_catalogue_query_answers_with_its_defaults_on_the_real_data(real_graph, name, request):
    # the register's queries on the curated data with the whole SIPRI register imported
    graph = request.getfixturevalue("real_register_graph") if name.startswith("register-") else real_graph
    assert answer(graph, name)


def test_memberships_over_time(real_graph):
    rows = answer(real_graph, "memberships-over-time")
    assert has_row(rows, membership=f"{ID}membership/kaz-csto-founding-member-1992", start="1992-05-15",
                   organisation=f"{ID}org/CSTO", document=f"{ID}source/dissertation-diversification")
    assert has_row(rows, membership=f"{ID}membership/kaz-sco-founding-member-2001", start="2001-06-15")
    assert column(rows, "membership") == iris(real_graph, f"""
        SELECT ?m WHERE {{ ?m a kz:Membership ; kz:member <{ID}state/KAZ> ; kz:organisation ?o ; kz:role ?r }}""")
    uzbekistan = answer(real_graph, "memberships-over-time", state="state:UZB")
    assert has_row(uzbekistan, membership=f"{ID}membership/uzb-csto-member-2006", end="2012-06-28")


def test_organisations_of_state_by_year(real_graph):
    rows = answer(real_graph, "organisations-of-state-by-year", year="2010")
    assert {f"{ID}org/CSTO", f"{ID}org/SCO", f"{ID}org/OSCE"} <= column(rows, "organisation")
    assert has_row(rows, membership=f"{ID}membership/kaz-osce-chair-2010", role=f"{KZC}role-chair")
    assert f"{ID}org/UNSC" not in column(rows, "organisation")  # seat 2017-2018
    early = answer(real_graph, "organisations-of-state-by-year", year="1995")
    assert f"{ID}org/CSTO" in column(early, "organisation") and f"{ID}org/SCO" not in column(early, "organisation")
    for year, answered in ((2010, rows), (1995, early)):
        for row in answered:
            assert int(row["start"][:4]) <= year and (row["end"] is None or int(row["end"][:4]) >= year)


def test_overlapping_memberships(real_graph):
    rows = answer(real_graph, "overlapping-memberships")
    assert has_row(rows, organisation1=f"{ID}org/CSTO", organisation2=f"{ID}org/SCO", overlapFrom="2001",
                   membership1=f"{ID}membership/kaz-csto-founding-member-1992",
                   membership2=f"{ID}membership/kaz-sco-founding-member-2001")
    for row in rows:
        assert row["organisation1"] < row["organisation2"]
    starts = {str(m): str(s) for m, s in real_graph.query(
        "PREFIX kz: <https://w3id.org/kzgraph/ontology#> SELECT ?m ?s WHERE { ?m a kz:Membership ; kz:startDate ?s }")}
    for row in rows:
        assert int(row["overlapFrom"]) == max(int(starts[row["membership1"]][:4]), int(starts[row["membership2"]][:4]))


def test_csto_members_timeline(real_graph):
    rows = answer(real_graph, "csto-members-timeline")
    assert has_row(rows, member=f"{ID}state/KAZ", role=f"{KZC}role-founding-member", start="1992-05-15")
    assert has_row(rows, member=f"{ID}state/UZB", start="2006", end="2012-06-28")
    assert iris(real_graph, f"SELECT ?s WHERE {{ ?s kz:participatesIn <{ID}org/CSTO> }}") <= column(rows, "member")


def test_sco_members_and_observers(real_graph):
    rows = answer(real_graph, "sco-members-and-observers")
    founders = {row["member"] for row in rows if row["organisation"] == f"{ID}org/SCO"
                and row["role"] == f"{KZC}role-founding-member" and row["start"] == "2001-06-15"}
    assert founders >= {f"{ID}state/{code}" for code in ("KAZ", "CHN", "RUS", "KGZ", "TJK", "UZB")}
    assert iris(real_graph, f"SELECT ?s WHERE {{ ?s kz:observerOf <{ID}org/SCO> }}") == {
        row["member"] for row in rows if row["organisation"] == f"{ID}org/SCO" and row["role"] == f"{KZC}role-observer"}
    assert has_row(rows, organisation=f"{ID}org/ShanghaiFive", member=f"{ID}state/KAZ", start="1996-04-26")


def test_chairmanships(real_graph):
    rows = answer(real_graph, "chairmanships")
    assert has_row(rows, organisation=f"{ID}org/OSCE", chair=f"{ID}state/KAZ", start="2010")
    assert column(rows, "membership") == iris(real_graph, """
        SELECT ?m WHERE { ?m kz:role kzc:role-chair ; kz:citation ?c }""")


def test_agreements_by_partner(real_graph):
    rows = answer(real_graph, "agreements-by-partner")
    assert has_row(rows, agreement=f"{ID}agreement/kaz-chn-state-border-agreement-1994", signingDate="1994-06-24")
    assert column(rows, "agreement") == iris(real_graph, f"""
        SELECT ?a WHERE {{ ?a a kz:Agreement ; kz:party <{ID}state/KAZ> ; kz:party <{ID}state/CHN> }}""")
    russia = answer(real_graph, "agreements-by-partner", partner="state:RUS")
    assert f"{ID}agreement/collective-security-treaty-1992" in column(russia, "agreement")


def test_agreements_by_year(real_graph):
    rows = answer(real_graph, "agreements-by-year", from_year="1992", to_year="1992")
    assert has_row(rows, agreement=f"{ID}agreement/collective-security-treaty-1992", signingDate="1992-05-15")
    assert column(rows, "year") == {"1992"}
    assert column(rows, "agreement") == iris(real_graph, """
        SELECT ?a WHERE { ?a a kz:Agreement ; kz:signingDate ?d FILTER(STRSTARTS(STR(?d), "1992")) }""")


def test_treaty_ratifications(real_graph):
    rows = answer(real_graph, "treaty-ratifications", party="state:KAZ")
    assert has_row(rows, agreement=f"{ID}agreement/kaz-rus-unified-regional-air-defence-system-agreement-2013",
                   status=f"{KZC}treaty-status-ratified", date="2014-05-26")
    assert column(rows, "party") == {f"{ID}state/KAZ"}
    everyone = answer(real_graph, "treaty-ratifications")
    assert column(everyone, "ratification") == iris(real_graph, "SELECT ?r WHERE { ?r a kz:Ratification }")


def test_exercises_by_framework(real_graph):
    rows = answer(real_graph, "exercises-by-framework")
    assert has_row(rows, exercise=f"{ID}exercise/peace-mission-2007", personnel="6500")
    assert has_row(rows, exercise=f"{ID}exercise/interaction-2003", date="2003-08-06")
    assert column(rows, "exercise") == iris(real_graph, f"""
        SELECT ?x WHERE {{ ?x a kz:MilitaryExercise ; kz:withinFramework <{ID}org/SCO> }}""")
    csto = answer(real_graph, "exercises-by-framework", framework="io:CSTO")
    assert f"{ID}exercise/rubezh-2004" in column(csto, "exercise")


def test_exercises_with_troop_numbers(real_graph):
    rows = answer(real_graph, "exercises-with-troop-numbers")
    assert has_row(rows, exercise=f"{ID}exercise/peace-mission-2005", contributor=None, personnel="10000")
    assert has_row(rows, exercise=f"{ID}exercise/indestructible-brotherhood-2013", personnel="2500")
    assert any(row["contributor"] for row in rows)
    with_personnel = iris(real_graph, "SELECT ?x WHERE { ?x a kz:MilitaryExercise ; kz:personnel ?p }")
    assert with_personnel <= column(rows, "exercise")


def test_peace_mission_series(real_graph):
    rows = answer(real_graph, "peace-mission-series")
    assert has_row(rows, exercise=f"{ID}exercise/peace-mission-2005", personnel="10000",
                   place=f"{ID}place/jiaodong-peninsula", framework=f"{ID}org/SCO")
    assert has_row(rows, exercise=f"{ID}exercise/peace-mission-2010", personnel="5000")
    assert column(rows, "exercise") == iris(real_graph, f"""
        SELECT ?x WHERE {{ ?x kz:exerciseSeries <{ID}exercise-series/peace-mission> }}""")
    rubezh = answer(real_graph, "peace-mission-series", series=f"{ID}exercise-series/rubezh")
    assert f"{ID}exercise/rubezh-2008" in column(rubezh, "exercise")


def test_arms_transfers_by_supplier(real_graph):
    rows = answer(real_graph, "arms-transfers-by-supplier")
    assert has_row(rows, supplier=f"{ID}state/RUS", transfer=f"{ID}transfer/rus-kaz-su-30sm-delivered-bicc",
                   weaponSystem=f"{ID}weapon/su-30sm", quantity="32", status=f"{KZC}status-delivered")
    assert has_row(rows, supplier=f"{ID}state/TUR", transfer=f"{ID}transfer/tur-kaz-anka-2021", quantity="3")
    assert column(rows, "transfer") == iris(real_graph, f"""
        SELECT ?t WHERE {{ ?t a kz:ArmsTransfer ; kz:recipient <{ID}state/KAZ> ; kz:supplier ?s }}""")


def test_arms_transfers_timeline(real_graph):
    rows = answer(real_graph, "arms-transfers-timeline")
    assert has_row(rows, year="2021", transfer=f"{ID}transfer/deu-kaz-tp400-d6-2021", supplier=f"{ID}state/DEU")
    assert has_row(rows, year="2007", transfer=f"{ID}transfer/rus-kaz-btr-80-2007")
    years = [int(row["year"]) for row in rows]
    assert years == sorted(years)


def test_aid_free_of_charge(real_graph):
    rows = answer(real_graph, "aid-free-of-charge")
    assert has_row(rows, aid=f"{ID}transfer/usa-kaz-humvee", supplier=f"{ID}state/USA", quantity="100")
    assert has_row(rows, aid=f"{ID}transfer/rus-kaz-s-300ps-2014", weaponSystem=f"{ID}weapon/s-300ps")
    assert column(rows, "aid") == iris(real_graph, "SELECT ?a WHERE { ?a kz:terms kzc:terms-free-of-charge }")


def test_leases(real_graph):
    rows = answer(real_graph, "leases")
    assert has_row(rows, lease=f"{ID}lease/baikonur-cosmodrome-kaz-rus", facility=f"{ID}facility/baikonur-cosmodrome",
                   lessor=f"{ID}state/KAZ", lessee=f"{ID}state/RUS", start="1994-12", durationYears="20",
                   fee="115", multiplier="6", unit=f"{KZC}unit-USD")
    assert column(rows, "lease") == iris(real_graph, "SELECT ?l WHERE { ?l a kz:Lease }")
    # the sources date the Sary-Shagan treaty (Moscow, 18 October 1996) but not the start of the lease it sets up
    assert has_row(rows, lease=f"{ID}lease/sary-shagan-test-range-kaz-rus", start=None,
                   agreement=f"{ID}agreement/kaz-rus-sary-shagan-lease-treaty-1996", agreementSigned="1996-10-18")


def test_training_cooperation(real_graph):
    rows = answer(real_graph, "training-cooperation", recipient="state:KAZ")
    assert has_row(rows, training=f"{ID}training/chn-kaz-military-education-2003-2012",
                   provider=f"{ID}state/CHN", persons="111")
    assert column(rows, "recipient") == {f"{ID}state/KAZ"}
    assert column(rows, "training") == iris(real_graph, f"""
        SELECT ?t WHERE {{ ?t a kz:TrainingCooperation ; kz:recipient <{ID}state/KAZ> ; kz:trainingProvider ?p }}""")


def test_joint_ventures(real_graph):
    rows = answer(real_graph, "joint-ventures")
    assert has_row(rows, jointVenture=f"{ID}company/indra-kazakhstan-engineering",
                   partnerCompany=f"{ID}company/indra-sistemas", foundingDate="2011")
    assert f"{ID}company/rheinmetall-ke" in column(rows, "jointVenture")
    assert column(rows, "jointVenture") == iris(real_graph, """
        SELECT ?j WHERE { ?c kz:jointVenture ?j ; kz:partnerCompany ?p }""")


def test_doctrines_over_time(real_graph):
    rows = answer(real_graph, "doctrines-over-time")
    assert has_row(rows, doctrine=f"{ID}document/kaz-military-doctrine-1993", adoptionDate="1993-02-11")
    threats_2011 = iris(real_graph, f"""
        SELECT ?t WHERE {{ <{ID}document/kaz-military-doctrine-2011> kz:namesThreat ?t }}""")
    assert has_row(rows, doctrine=f"{ID}document/kaz-military-doctrine-2011", adoptionDate="2011-10-11",
                   threats=str(len(threats_2011)))
    kyrgyz = answer(real_graph, "doctrines-over-time", state="state:KGZ")
    assert f"{ID}document/kgz-military-doctrine-2013" in column(kyrgyz, "doctrine")


def test_threats_named_by_doctrines(real_graph):
    rows = answer(real_graph, "threats-named-by-doctrines", state="state:KAZ")
    pairs = {(row["doctrine"], row["threat"]) for row in rows}
    walked = {(str(d), str(t)) for d, t in real_graph.query(f"""
        PREFIX kz: <https://w3id.org/kzgraph/ontology#>
        SELECT ?d ?t WHERE {{ ?d a kz:MilitaryDoctrine ; kz:issuedBy <{ID}state/KAZ> ; kz:namesThreat ?t }}""")}
    assert pairs == walked and pairs
    assert f"{KZC}threat-terrorism" in column(rows, "threat")


def test_military_expenditure_series(real_graph):
    rows = answer(real_graph, "military-expenditure-series")
    assert has_row(rows, year="2020", value="2002", multiplier="6", priceBasis="constant 2023 USD",
                   observation=f"{ID}observation/kaz-military-expenditure-2020-bicc")
    same = answer(real_graph, "observation-time-series", indicator="kzc:indicator-military-expenditure")
    assert column(rows, "observation") == column(same, "observation")


def test_arms_import_shares(real_graph):
    rows = answer(real_graph, "arms-import-shares")
    assert has_row(rows, supplier=f"{ID}state/RUS", share="88", periodStart="2020", periodEnd="2024",
                   document=f"{ID}source/bicc-country-report-2025")


def test_observation_time_series(real_graph):
    rows = answer(real_graph, "observation-time-series")
    assert column(rows, "observation") == iris(real_graph, f"""
        SELECT ?o WHERE {{ ?o kz:indicator kzc:indicator-military-expenditure-gdp-share ;
                               kz:subject <{ID}state/KAZ> ; kz:value ?v }}""")
    assert has_row(rows, observation=f"{ID}observation/kaz-military-expenditure-gdp-share-current-text-bicc",
                   value="0.5", unit=f"{KZC}unit-percent")
    for row in rows:
        assert row["when"] is None or row["when"][:4].isdigit()


def test_source_disagreements(real_graph):
    rows = answer(real_graph, "source-disagreements")
    assert has_row(rows, fact=f"{ID}membership/kaz-pfp-partner-1995", document=f"{ID}source/auswaertiges-amt-2018",
                   lineStart="40", lineEnd="40", property=f"{KZ}startDate", value="1994")
    assert has_row(rows, fact=f"{ID}membership/kaz-pfp-partner-1995",
                   document=f"{ID}source/dissertation-diversification", property=f"{KZ}startDate", value="1995")
    assert has_row(rows, fact=f"{ID}lease/emba-test-range-kaz-rus")
    assert column(rows, "fact") == iris(real_graph, """SELECT ?f WHERE {
        { ?f kz:flag kzc:flag-source-disagreement FILTER NOT EXISTS { ?f a kz:ValueClaim } }
        UNION { ?c a kz:ValueClaim ; kz:flag kzc:flag-source-disagreement ; kz:about ?f } }""")


def test_facts_per_source(real_graph):
    rows = answer(real_graph, "facts-per-source")
    assert len(column(rows, "document")) == len(rows)
    slugs = ("bicc-country-report-2025", "dissertation-diversification", "auswaertiges-amt-2018", "accord-2024",
             "commentary-2022")
    assert {f"{ID}source/{slug}" for slug in slugs} <= column(rows, "document")
    for row in rows:
        facts = iris(real_graph, f"SELECT ?f WHERE {{ ?f kz:citation/kz:document <{row['document']}> }}")
        assert int(row["facts"]) == len(facts)


def test_facts_of_entity(real_graph):
    rows = answer(real_graph, "facts-of-entity")
    assert has_row(rows, fact=f"{ID}agreement/csto-charter-2002", property=str(KZ.establishes))
    assert has_row(rows, fact=f"{ID}membership/kaz-csto-founding-member-1992", property=str(KZ.organisation))
    # a provision (a blank node) is listed under the document that holds it, so every engine gives the same rows
    assert has_row(rows, fact=f"{ID}document/kgz-military-doctrine-2002", property=str(KZ.namesPartner),
                   lineStart="4086")
    assert column(rows, "fact") == iris(real_graph, f"""SELECT ?f WHERE {{
        {{ ?f ?p <{ID}org/CSTO> ; kz:citation ?c FILTER NOT EXISTS {{ ?d kz:provision ?f }} }}
        UNION {{ ?f kz:provision ?x . ?x ?p <{ID}org/CSTO> ; kz:citation ?c }} }}""")  # a provision: its document


def test_claims_of_commentary(real_graph):
    rows = answer(real_graph, "claims-of-commentary")
    assert has_row(rows, claim=f"{ID}claim/commentary-2022-2500-soldiers-airlifted",
                   document=f"{ID}source/commentary-2022", lineStart="161", lineEnd="165")
    assert column(rows, "claim") == iris(real_graph, """
        SELECT ?c WHERE { ?c a kz:Claim ; kz:claimedBy <https://w3id.org/kzgraph/id/source/commentary-2022> }""")
    bicc = answer(real_graph, "claims-of-commentary", source="src:bicc-country-report-2025")
    assert bicc and not column(rows, "claim") & column(bicc, "claim")


def test_pfp_accession_claims(real_graph):
    rows = answer(real_graph, "pfp-accession-claims")
    assert has_row(rows, start="1994", membership=f"{ID}membership/kaz-pfp-partner-1995",
                   document=f"{ID}source/auswaertiges-amt-2018", flag=f"{KZC}flag-source-disagreement")
    assert has_row(rows, start="1995", membership=f"{ID}membership/kaz-pfp-partner-1995",
                   document=f"{ID}source/dissertation-diversification")
