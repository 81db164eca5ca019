"""The ontology: well-formed OWL 2, documented in English and German, consistent under HermiT."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kzgraph.namespaces import CONCEPT, KZ
from kzgraph.store.loading import load_files, ontology_files
from kzgraph.validation.reasoning import Inconsistent, check_consistency, for_dl_reasoning

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def ontology():
    return load_files(ontology_files())


def kz_terms(graph):
    return sorted({s for t in TERM_TYPES for s in graph.subjects(RDF.type, t)
                   if isinstance(s, URIRef) and str(s).startswith(str(KZ))})


def test_ontology_header_has_version_title_description_licence_and_date(ontology):
    header = URIRef(str(KZ))
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) is not None
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.created):
        assert ontology.value(header, predicate) is not None, predicate


def test_the_required_classes_exist(ontology):
    required = ["State", "InternationalOrganisation", "Programme", "Company", "Agency", "Person", "Membership",
                "Agreement", "Treaty", "Memorandum", "CooperationPlan", "MilitaryExercise", "ArmsTransfer",
                "WeaponSystem", "JointVenture", "IndustrialCooperation", "Operation", "Facility", "Lease",
                "MilitaryDoctrine", "Observation", "SourceDocument", "Citation"]
    missing = [name for name in required if (KZ[name], RDF.type, OWL.Class) not in ontology]
    assert missing == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_term_has_a_label_in_english_and_german(ontology, language):
    unlabelled = [t for t in kz_terms(ontology)
                  if not any(isinstance(label, Literal) and label.language == language
                             for label in ontology.objects(t, RDFS.label))]
    assert unlabelled == []


def test_every_term_has_an_english_definition(ontology):
    undefined = [t for t in kz_terms(ontology)
                 if not any(d.language == "en" for d in ontology.objects(t, SKOS.definition))]
    assert undefined == []


def test_every_concept_has_english_and_german_preferred_labels(ontology):
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for language in ("en", "de"):
        assert [c for c in concepts
                if not any(label.language == language for label in ontology.objects(c, SKOS.prefLabel))] == []


def test_hermit_finds_the_ontology_consistent_with_every_class_satisfiable(ontology):
    assert check_consistency(ontology) == []


def test_hermit_rejects_a_state_that_is_also_a_person(ontology):
    broken = load_files(ontology_files())
    thing = URIRef("https://w3id.org/kzgraph/id/test/both")
    broken.add((thing, RDF.type, KZ.State))
    broken.add((thing, RDF.type, KZ.Person))
    with pytest.raises(Inconsistent):
        check_consistency(broken)


def test_the_curated_data_is_consistent_with_the_ontology(real_build):
    from kzgraph.build.pipeline import open_build, union_graph

    graph = union_graph(open_build(out=real_build.folder.parent))
    assert check_consistency(for_dl_reasoning(graph)) == []


def test_the_generated_ontology_documentation_is_up_to_date():
    from pathlib import Path

    from kzgraph.build.ontology_docs import ontology_markdown

    documented = (Path(__file__).resolve().parents[1] / "docs" / "ontology.md").read_text(encoding="utf-8")
    assert documented == ontology_markdown(), "run: python -m kzgraph.build.ontology_docs > docs/ontology.md"


def test_the_documentation_lists_every_concept_of_every_vocabulary_under_its_scheme():
    from pathlib import Path

    from rdflib import Graph

    root = Path(__file__).resolve().parents[1]
    vocabularies = Graph().parse(root / "ontology" / "vocabularies.ttl")
    documented = (root / "docs" / "ontology.md").read_text(encoding="utf-8")
    sections = {block.split("`")[1]: block for block in documented.split("\n### ")[1:]}
    concepts = set(vocabularies.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 200
    for concept in concepts:
        schemes = list(vocabularies.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1, f"{concept} is in {len(schemes)} concept schemes"
        name, scheme = (str(term).replace(str(CONCEPT), "kzc:") for term in (concept, schemes[0]))
        assert f"| {name} |" in sections[scheme], f"{name} is not listed under {scheme} in docs/ontology.md"
