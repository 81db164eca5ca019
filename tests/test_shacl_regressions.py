"""Regression tests of the sparql SHACL engine: each case was once answered wrongly without a word.

Each test names the defect it guards against; the W3C SHACL test suite (tests/test_w3c_shacl_suite.py)
covers the components themselves.
"""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from kzgraph.store import open as open_store
from kzgraph.validation.shacl.shapes import InvalidShapeError, UnsupportedShapeError
from kzgraph.validation.shacl.sparql_engine import rdf_term
from kzgraph.validation.validator import SH, validate_graph, validate_store

EX = Namespace("http://example.org/ns#")
PREFIXES = """@prefix ex: <http://example.org/ns#> . @prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def graph(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def sparql_shape(select: str, target: str = "sh:targetNode ex:a, ex:b") -> Graph:
    return graph(f"""ex:S a sh:NodeShape ; {target} ; sh:sparql [ sh:select '''{select}''' ; sh:prefixes ex:P ] .
        ex:P sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/ns#"^^xsd:anyURI ] .""")


def values(report) -> list:
    return sorted(((r.nodes.focus, r.nodes.value) for r in report.results), key=lambda pair: [
        (type(t).__name__, str(t), str(getattr(t, "datatype", ""))) for t in pair])


def test_distinct_results_are_told_apart_by_their_terms_not_their_text():
    """"Berg" and "Berg"@de, 4 and "4"^^xsd:decimal are different terms: two results each, not one."""
    data = graph('ex:a ex:p "Berg", "Berg"@de ; ex:q 4, "4"^^xsd:decimal .')
    shapes = sparql_shape("SELECT $this ?value WHERE { { $this ex:p ?value } UNION { $this ex:q ?value } }")
    report = validate_graph(data, shapes, engine="sparql")
    assert Counter(rdf_term(r.nodes.value) for r in report.results) == Counter(
        [Literal("Berg"), Literal("Berg", lang="de"), Literal(4), Literal("4", datatype=XSD.decimal)])


@pytest.mark.parametrize("where", [
    "{ FILTER (false) } UNION { FILTER ($this = ex:a) }",  # a UNION branch
    "{ { FILTER ($this = ex:a) } FILTER bound($this) } FILTER (true)",  # nested groups
    "OPTIONAL { FILTER ($this = ex:a) BIND (1 AS ?one) } FILTER (bound(?one))",  # an OPTIONAL group
    "{ SELECT $this WHERE { FILTER ($this = ex:a) } }",  # a sub-select that returns $this
])
def test_this_is_pre_bound_in_every_group_of_a_sparql_constraint(where):
    """SHACL §5.3.1: $this is the focus node everywhere in the query, not only where the WHERE clause
    binds it; the focus node ex:a breaks the constraint, ex:b does not."""
    report = validate_graph(graph("ex:a ex:p 1 ."), sparql_shape(f"SELECT $this WHERE {{ {where} }}"), engine="sparql")
    assert values(report) == [(EX.a, EX.a)]
    assert not report.conforms


@pytest.mark.parametrize("where, word", [
    ('$this ?p ?any . MINUS { $this ?p "x" }', "MINUS"),
    ("VALUES ?any { true }", "VALUES"),
    ("$this ?p ?any . SERVICE <http://example.org/sparql> { ?a ?b ?c }", "SERVICE"),
    ("BIND (true AS $this)", "AS $this"),
    ("$this ?p ?any . { SELECT ?other WHERE { ?other ?q ?c } }", "sub-select that does not return $this"),
])
def test_what_shacl_forbids_with_pre_bound_variables_fails(where, word):
    """SHACL §5.2: a validator must fail on MINUS, VALUES, SERVICE, AS $this and sub-selects that do not
    return $this, not answer."""
    with pytest.raises(InvalidShapeError, match=r"§5\.2") as failed:
        validate_graph(graph("ex:a ex:p 1 ."), sparql_shape(f"SELECT $this WHERE {{ {where} }}"), engine="sparql")
    assert word in str(failed.value)


def test_words_in_strings_iris_and_comments_are_not_read_as_keywords():
    select = 'SELECT $this WHERE { $this ex:p ?v . # no MINUS here\n FILTER (?v != "VALUES { $this }") }'
    report = validate_graph(graph("ex:a ex:p 1 ."), sparql_shape(select), engine="sparql")
    assert values(report) == [(EX.a, EX.a)]


def test_a_custom_constraint_component_declared_through_a_sub_class_is_applied():
    """SHACL §6: an instance of a sub-class of sh:ConstraintComponent is a constraint component; it was
    ignored, and its shapes conformed."""
    shapes = graph("""ex:Component rdfs:subClassOf sh:ConstraintComponent .
        ex:Max a ex:Component ; sh:parameter [ sh:path ex:max ] ;
            sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { FILTER (?value <= $max) }" ;
                           sh:message "{?value} is more than {$max}" ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; ex:max 1 ] .""")
    report = validate_graph(graph("ex:a ex:p 1, 2 ."), shapes, engine="sparql")
    assert values(report) == [(EX.a, Literal(2))]  # §6.3.2: the value node is the result's sh:value
    assert [(r.component, r.message) for r in report.results] == [(str(EX.Max), "2 is more than 1")]
    reference = validate_graph(graph("ex:a ex:p 1, 2 ."), shapes, engine="pyshacl")  # gives no sh:value here
    assert [(r.focus, r.component) for r in reference.results] == [(str(EX.a), str(EX.Max))]


def test_a_custom_component_with_a_select_validator_and_an_optional_parameter():
    """SHACL §6.2.1: an optional parameter the shape does not give stays unbound; §6.3.1: a SELECT
    validator of a property shape reads $PATH."""
    shapes = graph("""ex:Lang a sh:ConstraintComponent ;
            sh:parameter [ sh:path ex:lang ] ; sh:parameter [ sh:path ex:strict ; sh:optional true ] ;
            sh:propertyValidator [ a sh:SPARQLSelectValidator ; sh:select '''SELECT $this ?value WHERE {
                $this $PATH ?value . FILTER (!langMatches(lang(?value), $lang) && COALESCE(?strict, true)) }''' ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:label ; ex:lang "de" ] .""")
    for engine in ("sparql", "pyshacl"):
        report = validate_graph(graph('ex:a ex:label "Berg"@de, "Mountain"@en .'), shapes, engine=engine)
        assert (engine, values(report)) == (engine, [(EX.a, Literal("Mountain", lang="en"))])


def test_a_severity_of_ones_own_is_reported_as_given_and_blocks():
    """SHACL §2.1.5 allows any IRI as a severity; the report wrote it as sh:Violation while
    Report.conforms said true."""
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:nodeKind sh:Literal ; sh:severity ex:Grave .")
    for engine in ("sparql", "pyshacl"):
        report = validate_graph(graph("ex:a ex:p 1 ."), shapes, engine=engine)
        severities = set(report.graph.objects(None, SH.resultSeverity))
        assert (engine, severities) == (engine, {EX.Grave})
        assert not report.conforms and len(report.violations) == 1


@pytest.mark.parametrize("literal, datatype", [
    ('"1"^^xsd:byte', "xsd:byte"), ('"7"^^xsd:int', "xsd:int"),
    ('"5"^^xsd:nonNegativeInteger', "xsd:nonNegativeInteger"),
])
def test_literals_of_derived_integer_datatypes_keep_their_datatype(literal, datatype):
    """Oxigraph stores "1"^^xsd:byte as "1"^^xsd:integer: the engine checks the data's literal, not the
    store's, and the valid values were reported as Violations."""
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
                   f"sh:property [ sh:path ex:p ; sh:datatype {datatype} ] .")
    report = validate_graph(graph(f"ex:a ex:p {literal} ."), shapes, engine="sparql")
    assert report.results == []


def test_an_ill_typed_byte_is_reported_with_its_own_datatype():
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:datatype xsd:byte ] .")
    report = validate_graph(graph('ex:a ex:p "300"^^xsd:byte .'), shapes, engine="sparql")
    assert values(report) == [(EX.a, Literal("300", datatype=XSD.byte))]


def test_a_datatype_the_store_rewrites_is_refused_on_data_already_in_the_store():
    """In an Oxigraph store no literal has the datatype xsd:byte any more: the engine cannot check it."""
    kg = open_store("oxigraph")
    target = kg.graph(URIRef("urn:x-test:data"))
    target.add((EX.a, EX.p, Literal("1", datatype=XSD.byte)))
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:datatype xsd:byte ] .")
    with pytest.raises(UnsupportedShapeError, match="xsd:byte"):
        validate_store(kg, shapes)


def test_values_are_reported_as_the_data_writes_them():
    """Oxigraph keeps "4.0"^^xsd:decimal as "4": the result names the data's literal, and sh:in, sh:minLength
    and sh:pattern read the data's term and lexical form."""
    shapes = graph("""ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxExclusive 4 ] ;
        sh:property [ sh:path ex:p ; sh:minLength 3 ; sh:pattern "\\\\." ; sh:in ( "4.0"^^xsd:decimal ) ] ;
        sh:property [ sh:path ex:q ; sh:in ( "5"^^xsd:decimal ) ] .""")
    report = validate_graph(graph('ex:a ex:p "4.0"^^xsd:decimal ; ex:q "5.0"^^xsd:decimal .'), shapes, engine="sparql")
    assert sorted((r.component.rsplit("#")[-1], r.nodes.value) for r in report.results) == [
        ("InConstraintComponent", Literal("5.0", datatype=XSD.decimal)),
        ("MaxExclusiveConstraintComponent", Literal("4.0", datatype=XSD.decimal))]


def test_two_literals_the_store_merges_are_refused():
    shapes = graph("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] .")
    with pytest.raises(UnsupportedShapeError, match="keeps as one term"):
        validate_graph(graph('ex:a ex:p "1"^^xsd:integer, "1"^^xsd:byte .'), shapes, engine="sparql")


def test_a_property_shape_in_a_property_shape_reports_once_per_focus_node_above():
    """SHACL §4.7.2: a value node reached from two focus nodes is validated twice, and its results are
    reported twice (the W3C test core/property/property-001); they were merged into one."""
    shapes = graph("""ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ;
        sh:property [ sh:path ex:address ; sh:property [ sh:path ex:city ; sh:class ex:City ] ] .""")
    report = validate_graph(graph("ex:a ex:address ex:home . ex:b ex:address ex:home . ex:home ex:city ex:nowhere ."),
                            shapes, engine="sparql")
    assert values(report) == [(EX.home, EX.nowhere)] * 2


@pytest.mark.parametrize("constraint, data, found", [
    ("sh:closed true ; sh:ignoredProperties ( ex:q ) ; sh:property [ sh:path ex:p ]",
     "ex:a ex:p 1 ; ex:q 2 ; ex:r 3 .", [(EX.a, Literal(3))]),
    ("sh:closed true", "ex:a ex:p 1 .", [(EX.a, Literal(1))]),  # no property allowed: Oxigraph's NOT IN ()
    ("sh:property [ sh:path ex:p ; sh:equals ex:q ]", "ex:a ex:p 1, 2 ; ex:q 2, 3 .",
     [(EX.a, Literal(1)), (EX.a, Literal(3))]),
    ("sh:property [ sh:path ex:p ; sh:disjoint ex:q ]", "ex:a ex:p 1, 2 ; ex:q 2, 3 .", [(EX.a, Literal(2))]),
    ("sh:property [ sh:path ex:p ; sh:lessThan ex:q ]", "ex:a ex:p 1, 3 ; ex:q 3 .", [(EX.a, Literal(3))]),
    ("sh:property [ sh:path ex:p ; sh:lessThanOrEquals ex:q ]", "ex:a ex:p 1, 4 ; ex:q 3 .", [(EX.a, Literal(4))]),
    ("sh:property [ sh:path ex:p ; sh:uniqueLang true ]", 'ex:a ex:p "x"@en, "y"@en, "z"@de .', [(EX.a, None)]),
    ("sh:property [ sh:path ex:p ; sh:sparql [ sh:select 'SELECT $this ?value WHERE { $this $PATH ?value "
     "FILTER (?value > 1) }' ] ]", "ex:a ex:p 1, 2 .", [(EX.a, Literal(2))]),
])
def test_the_components_the_shapes_may_need_give_the_results_pyshacl_gives(constraint, data, found):
    shapes = graph(f"ex:S a sh:NodeShape ; sh:targetNode ex:a ; {constraint} .")
    data_graph = graph(data)
    for engine in ("sparql", "pyshacl"):
        assert (engine, values(validate_graph(data_graph, shapes, engine=engine))) == (engine, found)


def test_a_nested_shape_with_the_new_components_is_an_expression_too():
    """sh:node with sh:closed, sh:equals and sh:uniqueLang inside: conformance as an expression (§3.4)."""
    shapes = graph("""ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ; sh:property [ sh:path ex:to ; sh:node ex:N ] .
        ex:N a sh:NodeShape ; sh:closed true ; sh:ignoredProperties ( ex:q ) ;
            sh:property [ sh:path ex:p ; sh:equals ex:q ; sh:uniqueLang true ] .""")
    data = graph('ex:a ex:to ex:x . ex:x ex:p "1"@en ; ex:q "1"@en . '
                 'ex:b ex:to ex:y . ex:y ex:p "1"@en, "2"@en ; ex:q "1"@en .')
    for engine in ("sparql", "pyshacl"):
        assert (engine, values(validate_graph(data, shapes, engine=engine))) == (engine, [(EX.b, EX.y)])


def test_blank_node_focus_nodes_are_kept():
    shapes = graph("ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:disjoint ex:q ] .")
    data = graph("[] ex:p 1 ; ex:q 1 .")
    report = validate_graph(data, shapes, engine="sparql")
    assert [type(r.nodes.focus) for r in report.results] == [BNode]
