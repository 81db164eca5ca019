"""The provenance check: every fact's key values stand in the source lines it cites.

A node is checked when it carries a ``kz:citation`` or is a ``kz:Fact``. For each such node:

* every citation names a known source document and a line range inside that document's text, at most
  :data:`MAX_CITATION_LINES` lines long;
* every number and date it states (typed literals of the XSD numeric and date types, except properties the
  ontology marks ``kz:sourceTextCheck false``) occurs in at least one of its cited passages: a year as that
  number, a day-precision date with its day and month (German or English month name, or numeric), a
  number in German (``39.000``, ``2,5``) or English (``39,000``, ``2.5``) notation or as a German number word;
* at least one name of the node or of a resource it links to (labels, alternative labels, acronyms,
  designations) occurs in one of its cited passages;
* per value: where a citation names the properties it supports (``kz:supports kz:quantity, kz:place``),
  every value of such a property is checked against the passages of the citations that support it
  only: a date or number must occur there, and so must a name of a linked entity (states, places,
  agents; SKOS concepts are not checked). A supported property the node has no value for is a problem
  too. Values of properties that no citation names are checked against all the node's citations.

The texts are read from a sources folder (``../shared/seeds`` beside the project by default, or the
``KZGRAPH_SOURCES`` environment variable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kzgraph.namespaces import CONCEPT, KZ, PREFIXES
from kzgraph.project import Project

MAX_CITATION_LINES = 60

NUMERIC_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long,
                 XSD.positiveInteger, XSD.nonNegativeInteger}
DATE_TYPES = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime}
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, KZ.acronym, KZ.germanName,
                   KZ.designation)
NOT_FOLLOWED = {KZ.citation, RDF.type}

MONTHS = {
    1: ("januar", "jänner", "jan.", "january"), 2: ("februar", "feber", "feb.", "february"),
    3: ("märz", "mär.", "march"), 4: ("april", "apr."), 5: ("mai", "may"), 6: ("juni", "june"),
    7: ("juli", "july"), 8: ("august", "aug."), 9: ("september", "sept.", "sep."),
    10: ("oktober", "okt.", "october", "oct."), 11: ("november", "nov."), 12: ("dezember", "dez.", "december", "dec."),
}
NUMBER_WORDS = {
    "null": 0, "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "eines": 1, "zwei": 2, "drei": 3,
    "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
    "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "sechszehn": 16, "siebzehn": 17, "achtzehn": 18,
    "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "hundert": 100,
    "hunderte": 100, "hunderten": 100, "tausende": 1000, "tausenden": 1000, "hundreds": 100, "thousands": 1000,
    "tausend": 1000, "einhundert": 100, "zweihundert": 200, "dreihundert": 300, "halb": Decimal("0.5"),
    "hälfte": Decimal("0.5"), "doppelt": 2, "zweimal": 2, "dreimal": 3, "million": 1, "milliarde": 1,
    "einzige": 1, "einziger": 1, "einzigen": 1, "einziges": 1,
    "erste": 1, "ersten": 1, "zweite": 2, "zweiten": 2, "dritte": 3, "dritten": 3, "vierte": 4, "vierten": 4,
    "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90, "zweitausend": 2000, "dreitausend": 3000,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "thousand": 1000,
    "fünfte": 5, "fünften": 5, "sechste": 6, "sechsten": 6, "siebte": 7, "siebten": 7, "achte": 8, "achten": 8,
}
#: Stems of German and English ordinals, also inside compounds ("zweitgrößte", "erstmals", "third-largest")
#: and after the intensifier "aller" ("allererste").
ORDINAL_STEMS = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7, "siebent": 7,
    "acht": 8, "neunt": 9, "zehnt": 10, "elft": 11, "zwölft": 12, "dreizehnt": 13, "vierzehnt": 14,
    "fünfzehnt": 15, "sechzehnt": 16, "siebzehnt": 17, "achtzehnt": 18, "neunzehnt": 19, "zwanzigst": 20,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}
NUMBER_TOKEN = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")
WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Problem:
    """One failed provenance check, with the node and, where there is one, the citation it concerns."""

    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.node}: {self.message}"


def sources_folder() -> Path:
    """The sources folder of the configured project (:meth:`kzgraph.project.Project.configured`)."""
    return Project.configured().sources


@lru_cache(maxsize=16)
def read_lines(path: Path) -> tuple[str, ...]:
    """A document's lines numbered as ``sed -n`` and ``wc -l`` count them: split at newlines only
    (str.splitlines would also split at form feeds and other separators inside the PDF text)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(line.rstrip("\r") for line in lines)


def normalise(text: str) -> str:
    r"""Join the lines of a passage, undo hyphenation at line ends and fold white space and case.

    A word broken at a line end (``Zusammen-`` / ``arbeit``) is joined; a hyphen before a capital stays, as
    in a compound (``OVKS-`` / ``Staaten``: the OVKS stays a word), and so does one between numbers
    (``2010-`` / ``2014``: two years, not one number).

    >>> normalise("die Zusammen-\narbeit der OVKS-\nStaaten 2010-\n2014")
    'die zusammenarbeit der ovks-staaten 2010- 2014'
    """
    text = re.sub(r"([^\W\d_])-[ \t]*\n\s*([^\W\d_])",
                  lambda m: m[1] + m[2] if m[2].islower() else f"{m[1]}-{m[2]}", text)
    return re.sub(r"\s+", " ", text).casefold()


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def numbers_in(text: str) -> set[Decimal]:
    """Every value a number token in the text can stand for, read in German and in English notation."""
    values: set[Decimal] = set()
    for token in NUMBER_TOKEN.findall(text):
        token = token.replace("\u00a0", " ").replace("\u202f", " ")
        parts = [token, *token.split(" ")]
        for part in parts:
            for candidate in (
                part.replace(" ", ""),
                part.replace(" ", "").replace(".", "").replace(",", "."),  # German: 39.000,5
                part.replace(" ", "").replace(",", ""),  # English: 39,000.5
                part.replace(" ", "").replace(",", "."),  # German decimal without thousands
            ):
                value = _decimal(candidate)
                if value is not None:
                    values.add(value.normalize())
            for piece in re.split(r"[.,]", part.replace(" ", "")):  # dates like 15.05.1992, ranges 2020/21
                value = _decimal(piece)
                if value is not None:
                    values.add(value.normalize())
    for word in WORD.findall(text):
        if word in NUMBER_WORDS:
            values.add(Decimal(str(NUMBER_WORDS[word])).normalize())
        bare = word.removeprefix("aller")  # German intensified superlatives: "allererste", "allerzweiter"
        for stem, ordinal in ORDINAL_STEMS.items():
            if word.startswith(stem) or bare.startswith(stem):
                values.add(Decimal(ordinal).normalize())
    return values


def _date_parts(literal: Literal) -> tuple[int, int | None, int | None]:
    text = str(literal).lstrip("-")
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        raise ValueError(f"unreadable date {literal!r}")
    year, month, day = match.groups()
    return int(year), int(month) if month else None, int(day) if day else None


def _month_named(month: int, text: str) -> bool:
    return any(re.search(r"(?<!\w)" + re.escape(name) + (r"(?!\w)" if not name.endswith(".") else ""), text)
               for name in MONTHS[month])


def date_in(literal: Literal, text: str, numbers: set[Decimal]) -> bool:
    """A date stands in a passage when its year does, and its month and day where it has them.

    A month also stands in a passage that names the month before it and then "the next month" (im
    nächsten Monat, im folgenden Monat, im Monat darauf), as a text dates one event after another.

    >>> numbers = numbers_in("im mai 2011 stimmte das unterhaus zu. im nächsten monat lehnte der senat ab")
    >>> date_in(Literal("2011-06", datatype=XSD.gYearMonth), "im mai 2011 … im nächsten monat …", numbers)
    True
    >>> date_in(Literal("2011-07", datatype=XSD.gYearMonth), "im mai 2011 … im nächsten monat …", numbers)
    False
    """
    year, month, day = _date_parts(literal)
    if Decimal(year) not in numbers:
        return False
    if month is not None:
        month_named = _month_named(month, text) or (
            month > 1 and _month_named(month - 1, text)
            and re.search(r"(?:nächsten|folgenden) monat|monat darauf", text) is not None)
        # numeric forms: 15.05.1992, 05/1992, and ranges such as "10-11.06.2010" or "13.09. bis 24.09.2010"
        month_numeric = re.search(rf"(?<!\d)\d{{1,2}}\.\s?0?{month}\.", text) if day else \
            re.search(rf"(?<!\d)0?{month}[./]\s*{year}", text)
        if not (month_named or month_numeric):
            return False
    return not (day is not None and Decimal(day) not in numbers)


def number_in(value: Decimal, numbers: set[Decimal]) -> bool:
    return value.normalize() in numbers


def _names(graph: Graph, node: Node) -> set[str]:
    return {normalise(str(o)) for p in NAME_PROPERTIES for o in graph.objects(node, p) if isinstance(o, Literal)}


def candidate_names(graph: Graph, node: Node) -> set[str]:
    """Names of the node and of the resources it links to (one hop; SKOS concepts and types excluded); a
    provision or a blank node also goes by the names of the nodes that link to it."""
    names = set(_names(graph, node))
    for p, o in graph.predicate_objects(node):
        if p in NOT_FOLLOWED or isinstance(o, Literal):
            continue
        if (o, RDF.type, SKOS.Concept) in graph:
            continue
        names |= _names(graph, o)
    if isinstance(node, BNode) or (node, RDF.type, KZ.Provision) in graph:
        # a provision, or a node without an IRI, is identified in its passage as the node that has it
        for parent in graph.subjects(None, node):
            names |= candidate_names(graph, parent) if isinstance(parent, URIRef) else _names(graph, parent)
    if (node, RDF.type, KZ.ValueClaim) in graph:
        # a value claim is identified in its passage as its node is: by the node's names or those it links to
        for about in graph.objects(node, KZ.about):
            if about != node and (about, RDF.type, KZ.ValueClaim) not in graph:
                names |= candidate_names(graph, about)
    return {n for n in names if len(n) >= 2}


def linked_names(graph: Graph, value: Node) -> set[str] | None:
    """The names of a linked entity, or None when the value is not checked by name (a literal, a blank
    node, a SKOS concept, a provision, which is part of its owner's content, a property or class, or an
    entity without names)."""
    if isinstance(value, (Literal, BNode)) or (value, RDF.type, SKOS.Concept) in graph \
            or (value, RDF.type, KZ.Provision) in graph:
        return None
    names = {n for n in _names(graph, value) if len(n) >= 2}
    return names or None


def unchecked_properties(graph: Graph) -> set[URIRef]:
    return {p for p in graph.subjects(KZ.sourceTextCheck, Literal(False)) if isinstance(p, URIRef)}


def fact_nodes(graph: Graph) -> set[Node]:
    """Every node that must cite a source document: nodes with citations and instances of kz:Fact's
    sub-classes; facts that cite only database exports (the SIPRI register, checked against its own rows by
    :func:`kzgraph.importers.sipri.check_citations`) are left to their importer's check."""
    fact_classes = {c for c in graph.transitive_subjects(RDFS.subClassOf, KZ.Fact)}
    nodes = set(graph.subjects(KZ.citation, None))
    for cls in fact_classes:
        nodes |= set(graph.subjects(RDF.type, cls))
    exports = set(graph.subjects(KZ.documentKind, CONCEPT["document-kind-database-export"]))
    if exports:
        nodes = {node for node in nodes if not all(
            graph.value(citation, KZ.document) in exports for citation in graph.objects(node, KZ.citation))
            or not any(True for _ in graph.objects(node, KZ.citation))}
    return nodes


def _stem(word: str) -> str:
    """A word without its German inflection ending (-e, -em, -en, -er, -es), if it is six letters or longer."""
    return re.sub(r"(?:e[mnrs]?)$", "", word) if len(word) >= 6 else word


def name_in(name: str, text: str) -> bool:
    """Long names match inside words (German inflects: Kasachstans); short ones (UN, EU) only as words. A
    hyphen and a space are the same (Sankt-Petersburg, Sankt Petersburg). Each word of a name of several words
    may carry an inflection ending of up to three letters (Rat der …, des Rats der …; Eurasische …, der
    Eurasischen …), and a word of six letters or more its own ending exchanged for another (Arabischer
    Frühling, des Arabischen Frühlings).

    >>> name_in("sri lanka", "in sri-lanka"), name_in("un", "unter"), name_in("kasachstan", "kasachstans")
    (True, False, True)
    >>> name_in("rat der verteidigungsminister", "des rats der verteidigungsminister")
    True
    >>> name_in("arabischer frühling", "seit dem arabischen frühling"), name_in("arabischer frühling", "arabien")
    (True, False)
    """
    name, text = name.replace("-", " "), text.replace("-", " ")
    if len(name) > 4:
        words = name.split()
        if name in text or len(words) < 2:
            return name in text
        inflected = r"\s+".join(re.escape(_stem(word)) + r"\w{0,3}" for word in words)
        return re.search(inflected, text) is not None
    return re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text) is not None


def _qname(graph: Graph, term: Node) -> str:
    """A term as a prefixed name of the project's prefix table (kz:endDate, state:ARM), else as rdflib shows it."""
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(str(namespace)) and "/" not in text[len(str(namespace)):]:
            return f"{prefix}:{text[len(str(namespace)):]}"
    return graph.qname(term) if isinstance(term, URIRef) else text


def _label(node: Node) -> str:
    return node.n3() if isinstance(node, URIRef) else f"_:{node}"


def check_graph(graph: Graph, sources: Path | None = None) -> list[Problem]:
    """Run the provenance check over a graph holding data, sources.ttl and the ontology."""
    sources = sources or sources_folder()
    skip = unchecked_properties(graph)
    problems: list[Problem] = []
    for node in sorted(fact_nodes(graph), key=str):
        problems.extend(check_node(graph, node, sources, skip))
    return problems


def cited_passages(graph: Graph, node: Node, sources: Path) -> tuple[list[str], list[str]]:
    """The normalised texts of a node's citations, and the problems found with the citations themselves."""
    passages, problems, _ = _cited(graph, node, sources)
    return passages, problems


def _cited(graph: Graph, node: Node, sources: Path) -> tuple[list[str], list[str], list[Node]]:
    """The normalised texts of a node's citations, the problems found with the citations, and for each
    text the citation it comes from."""
    passages: list[str] = []
    problems: list[str] = []
    owners: list[Node] = []
    citations = list(graph.objects(node, KZ.citation))
    if not citations:
        return [], ["has no kz:citation"], []
    for citation in citations:
        document = graph.value(citation, KZ.document)
        first, last = graph.value(citation, KZ.lineStart), graph.value(citation, KZ.lineEnd)
        file_name = graph.value(document, KZ.fileName) if document is not None else None
        if file_name is None or first is None or last is None:
            problems.append("a citation lacks kz:document (a known source), kz:lineStart or kz:lineEnd")
            continue
        start, end = int(str(first)), int(str(last))  # the lexical forms of the xsd:integer literals
        path = sources / str(file_name)
        if not path.exists():
            problems.append(f"source file {path} does not exist")
            continue
        lines = read_lines(path)
        if not 1 <= start <= end <= len(lines):
            problems.append(f"line range {start}-{end} is outside {file_name} (1-{len(lines)})")
            continue
        if end - start + 1 > MAX_CITATION_LINES:
            problems.append(f"line range {start}-{end} spans more than {MAX_CITATION_LINES} lines")
            continue
        passages.append(normalise("\n".join(lines[start - 1:end])))
        owners.append(citation)
    return passages, problems, owners


def _place(citation: Node, graph: Graph) -> str:
    """A citation as a reader finds it: the supporting passage at lines A-B of its document."""
    document = graph.value(citation, KZ.document)
    name = _qname(graph, document) if document is not None else "?"
    return f"the supporting passage {name} {graph.value(citation, KZ.lineStart)}-{graph.value(citation, KZ.lineEnd)}"


def check_node(graph: Graph, node: Node, sources: Path, skip: set[URIRef]) -> list[Problem]:
    passages, messages, owners = _cited(graph, node, sources)
    label = _label(node)
    problems = [Problem(label, m) for m in messages]
    if not passages:
        return problems
    numbers = [numbers_in(p) for p in passages]
    supported: dict[Node, list[int]] = {}  # property -> indices of the passages whose citations support it
    supported_values: dict[Node, list[int]] = {}  # value -> indices of the passages whose citations name it
    for index, citation in enumerate(owners):
        for prop in graph.objects(citation, KZ.supports):
            supported.setdefault(prop, []).append(index)
        for value in graph.objects(citation, KZ.supportsValue):
            supported_values.setdefault(value, []).append(index)
    citations = list(graph.objects(node, KZ.citation))
    for prop in sorted({p for c in citations for p in graph.objects(c, KZ.supports)}, key=str):
        if graph.value(node, prop) is None:
            problems.append(Problem(label, f"a citation supports {_qname(graph, prop)}, but the node has no value "
                                           "for it"))
    for value in sorted({v for c in citations for v in graph.objects(c, KZ.supportsValue)}, key=str):
        if not any(True for _ in graph.predicates(node, value)):
            problems.append(Problem(label, f"a citation supports the value {_qname(graph, value)}, but the node "
                                           "has no property with that value"))
    for p, o in graph.predicate_objects(node):
        if p in NOT_FOLLOWED or p in skip:
            continue
        # a value named by some citations only (the one citation of a fact supports every value anyway)
        narrowed = p not in supported and o in supported_values and len(passages) > 1
        indices = supported_values[o] if narrowed else supported.get(p, range(len(passages)))
        checked = p in supported or narrowed
        where = "the citations that support it" if checked else "the cited lines"
        if not isinstance(o, Literal):
            names = linked_names(graph, o) if checked else None
            if names is not None:
                for i in indices:  # every passage said to state the value must name it
                    if not any(name_in(n, passages[i]) for n in names):
                        shown = ", ".join(sorted(names)[:4])
                        problems.append(Problem(label, f"{_qname(graph, p)} {_qname(graph, o)}: none of its names "
                                                       f"({shown}) occurs in {_place(owners[i], graph)}"))
            continue
        if o.datatype is None:
            continue
        if o.datatype in DATE_TYPES:
            try:
                stands = [date_in(o, passages[i], numbers[i]) for i in indices]
            except ValueError as error:
                problems.append(Problem(label, str(error)))
                continue
        elif o.datatype in NUMERIC_TYPES:
            stands = [number_in(Decimal(str(o)), numbers[i]) for i in indices]
        else:
            continue
        if p in supported:  # every passage said to state the value must state it
            problems.extend(Problem(label, f"{_qname(graph, p)} {o} does not occur in {_place(owners[i], graph)}")
                            for i, found in zip(indices, stands, strict=True) if not found)
        elif not any(stands):
            problems.append(Problem(label, f"{_qname(graph, p)} {o} does not occur in {where}"))
    names = candidate_names(graph, node)
    if not any(name_in(name, text) for name in names for text in passages):
        shown = ", ".join(sorted(names)[:6]) or "none"
        problems.append(Problem(label, f"none of its names ({shown}) occurs in the cited lines"))
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m kzgraph.build.provenance [FILES…]``: check the given data files (default: all of data/)."""
    import sys

    from kzgraph.store.loading import load_files, project_files

    argv = sys.argv[1:] if argv is None else argv
    files = project_files(data=[Path(a) for a in argv] if argv else None)
    graph = load_files(files)
    problems = check_graph(graph)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} provenance problem(s) in {len(fact_nodes(graph))} fact node(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
