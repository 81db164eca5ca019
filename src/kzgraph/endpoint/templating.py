"""What the HTML pages share: the Jinja2 templates, the store dependency, and RDF terms made fit to show.

The templates (``kzgraph/templates/``) escape every value (Jinja2 autoescape); links are made only to
http(s) IRIs, and IRIs under the kzgraph base (``https://w3id.org/kzgraph/``) link to the local server
(:func:`kzgraph.sparql.describe.local_path`). The pages load nothing from elsewhere: their CSS is inline.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import jinja2
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD, NamespaceManager
from rdflib.query import Result, ResultRow
from rdflib.term import Node

from kzgraph.errors import KzgraphError
from kzgraph.namespaces import BASE, PREFIXES
from kzgraph.settings import Settings
from kzgraph.sparql import describe as linked_data
from kzgraph.sparql import queries as query_module
from kzgraph.sparql.describe import local_path
from kzgraph.sparql.media_types import NotAcceptable, negotiate

TEMPLATES = Path(__file__).parent / "templates"
HTML = "text/html"
VARY = {"Vary": "Accept"}


def wants_html(request: Request, offered: Iterable[str]) -> bool:
    """Whether a client prefers an HTML page to any of the ``offered`` types (a browser does)."""
    try:
        return media_for(request, (*offered, HTML)) == HTML
    except NotAcceptable:
        return False


def endpoint_page(request: Request, settings: object = None) -> Response:
    """The page a browser gets at ``/sparql`` without a query: what the endpoint is and how to use it."""
    return render(request, "endpoint.html", headers={"Vary": "Accept"}, settings=settings)


def media_for(request: Request, offered: Iterable[str]) -> str:
    """The offered media type the request asks for: by ``format``, else by Accept (NotAcceptable if none)."""
    return negotiate(request.headers.get("accept"), request.query_params.get("format"), offered)


# The rows of a result table shown on a page; the full result is one download away.
TABLE_LIMIT = 1000
# Datatypes not worth showing next to a value.
PLAIN = (XSD.string, XSD.integer)
# Properties shown first in a description, in this order; the others follow by label.
LEADING = (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel)
LEADING_RANK = {p: i for i, p in enumerate(LEADING)}  # the rows of these properties come first, in this order

templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True))

_names = NamespaceManager(Graph(), bind_namespaces="rdflib")
for _prefix, _namespace in PREFIXES.items():
    _names.bind(_prefix, _namespace, replace=True)


@functools.lru_cache(maxsize=8192)
def curie(iri: str) -> str:
    """A short name for an IRI: a prefixed name where a known prefix fits (``state:KAZ``, ``rdfs:label``),
    else the path after the kzgraph base (``id/membership/kaz-csto-member``), else the IRI."""
    try:
        return _names.curie(iri, generate=False)
    except (KeyError, ValueError):
        return iri[len(BASE):] if iri.startswith(BASE) and len(iri) > len(BASE) else iri


def href(iri: str, root: str = "") -> str | None:
    """Where a link to an IRI points: the local page for kzgraph IRIs, the IRI for other http(s) IRIs,
    nowhere for anything else (``javascript:``, ``urn:``, ``file:`` …)."""
    local = local_path(iri)
    if local is not None:
        return root + local
    return iri if iri.lower().startswith(("http://", "https://")) else None


def best_label(found: list[Literal] | None) -> str | None:
    """The label to show: English first (``@en``), then one without language, then any other."""
    if not found:
        return None
    rank = {"en": 0, None: 1}
    return str(min(found, key=lambda label: (rank.get(label.language, 2), label.language or "", str(label))))


@dataclass
class Term:
    """An RDF term as a page shows it; a blank node carries its own rows (shown inline)."""

    kind: str  # "iri", "literal" or "blank"
    text: str
    iri: str | None = None
    href: str | None = None
    language: str | None = None
    datatype: str | None = None
    rows: list[Row] = field(default_factory=list)


@dataclass
class Row:
    """A property of a resource with all its values."""

    property: Term
    values: list[Term]


#: The labels of IRIs, as :func:`kzgraph.sparql.describe.labels` finds them.
Labels = Mapping[URIRef, list[Literal]]
#: What the values of a row sort by: IRIs, literals, blank nodes (see :func:`_value_key`).
_NestedKey = tuple[tuple[str, tuple[int, ...], tuple[str, ...]], ...]


def term(value: Node | None, labels: Labels | None = None, root: str = "", graph: Graph | None = None,
         seen: frozenset[Node] = frozenset(), inline: bool = False) -> Term:
    """A term fit to show: IRIs with their label and link, literals with language or datatype, blank
    nodes (when ``graph`` holds their triples) with their own rows; with ``inline``, IRIs described in
    ``graph`` bring their rows too (the partitions of the VoID description)."""
    labels = labels or {}
    if isinstance(value, URIRef):
        iri = str(value)
        short = curie(iri)
        nested = rows(graph, value, labels, root, seen | {value}, inline) \
            if inline and graph is not None and value not in seen and (value, None, None) in graph else []
        return Term("iri", best_label(labels.get(value)) or short, iri=iri, href=href(iri, root), rows=nested)
    if isinstance(value, Literal):
        datatype = curie(str(value.datatype)) if value.datatype not in (None, *PLAIN) else None
        return Term("literal", str(value), language=value.language, datatype=datatype)
    if isinstance(value, BNode):
        nested = (rows(graph, value, labels, root, seen | {value}, inline)
                  if graph is not None and value not in seen else [])
        return Term("blank", "_:" + str(value), rows=nested)
    return Term("literal", "" if value is None else str(value))


def _value_key(value: Term) -> tuple[int, bool, str, _NestedKey | str]:
    """IRIs first, then literals (English first), then blank nodes in the order of what they hold."""
    if value.rows:
        return (2 if value.kind == "blank" else 1, False, "", _nested_key(value))
    return (value.kind != "iri", value.language not in ("en", None), value.language or "", value.text.lower())


def _nested_key(value: Term) -> _NestedKey:
    return tuple((row.property.text, tuple(int(v.text) if v.text.isdigit() else 0 for v in row.values),
                  tuple(v.text for v in row.values)) for row in value.rows)


def rows(graph: Graph, subject: Node, labels: Labels | None = None, root: str = "",
         seen: frozenset[Node] = frozenset(), inline: bool = False) -> list[Row]:
    """The property rows of a subject in a description graph: leading properties first, then by label."""
    grouped: dict[Node, list[Node]] = {}
    for predicate, value in graph.predicate_objects(subject):
        grouped.setdefault(predicate, []).append(value)
    out: list[Row] = []
    seen = seen | {subject}
    for predicate, values in grouped.items():
        shown = sorted((term(v, labels, root, graph, seen, inline) for v in values), key=_value_key)
        out.append(Row(term(predicate, labels, root), shown))
    out.sort(key=lambda row: (LEADING_RANK.get(URIRef(row.property.iri or ""), len(LEADING)),
                              row.property.text.lower()))
    return out


@dataclass
class Table:
    """A SPARQL result as a page shows it: ASK as a yes/no, SELECT as rows, graphs as triples."""

    kind: str
    columns: list[str]
    rows: list[list[Term | None]]  # None: an unbound variable
    total: int
    answer: bool | None = None
    offset: int = 0  # the rows shown start after this many
    cut: bool = False  # the endpoint's row limit cut the result: ``total`` is the limit, not the count
    count: int | None = None  # the real number of rows, where it could be counted
    page_size: int = TABLE_LIMIT

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    @property
    def page(self) -> int:
        return self.offset // self.page_size + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def table(result: Result, root: str = "", limit: int = TABLE_LIMIT, offset: int = 0) -> Table:
    """Rows ``offset`` to ``offset + limit`` of a SPARQL result as terms, the total number of rows, and whether
    a row limit cut the result (a :class:`~kzgraph.sparql.evaluation.LimitedResult`'s ``truncated``)."""
    if result.type == "ASK":
        return Table("ASK", [], [], 0, answer=bool(result.askAnswer))
    source: Iterator[Iterable[Node | None]]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        columns, source = ["subject", "predicate", "object"], iter(result.graph or ())
    else:
        variables = result.vars or []
        columns = [str(v) for v in variables]
        source = ([cast(ResultRow, row)[v] for v in variables] for row in result)
    shown: list[list[Term | None]] = []
    total = 0
    for values in source:
        total += 1
        if offset < total <= offset + limit:
            shown.append([None if v is None else term(v, root=root) for v in values])
    return Table(result.type, columns, shown, total, offset=offset, cut=bool(getattr(result, "truncated", False)),
                 page_size=limit)


PROLOGUE = re.compile(r"\A(?:\s+|#[^\n]*\n|(?i:PREFIX)\s+[^\s:]*:\s*<[^>]*>|(?i:BASE)\s*<[^>]*>)*")
SELECT = re.compile(r"\A(?i:SELECT)\b")


def count_query(sparql: str) -> str | None:
    """A query that counts the rows of a SELECT query (its prologue kept, the query as a subquery), or None
    for other forms and for a SELECT with a VALUES block after it, which cannot stand as a subquery."""
    prologue = PROLOGUE.match(sparql)
    body = sparql[prologue.end() if prologue else 0:]
    if not SELECT.match(body) or re.search(r"}\s*(?i:VALUES)\b[^}]*}\s*\Z", body):
        return None
    return f"{sparql[:len(sparql) - len(body)]}SELECT (COUNT(*) AS ?kzgraphRows) WHERE {{\n{body}\n}}"


def count_rows(kg: Any, sparql: str) -> int | None:
    """The real number of rows of a SELECT query that the row limit cut, where a count query answers (within
    the same limits as any query), else None."""
    counting = count_query(sparql)
    if counting is None:
        return None
    try:
        rows = list(query_module.run(kg, counting))
        return int(cast(Any, rows[0])[0]) if rows else None
    except (KzgraphError, ValueError, TypeError, IndexError):
        return None


def page_number(request: Request) -> int:
    """The page of a result table asked for (``?page=``, from 1; anything else is the first)."""
    try:
        return max(int(request.query_params.get("page", "1")), 1)
    except ValueError:
        return 1


def root_of(request: Request) -> str:
    """The path the app is served under (ASGI ``root_path``), to prefix local links with."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def render(request: Request, template: str, status_code: int = 200, headers: Mapping[str, str] | None = None,
           **context: object) -> Response:
    """An HTML page from a template; every page gets the request and the root path."""
    return templates.TemplateResponse(request, template, {"root": root_of(request), **context},
                                      status_code=status_code, headers=headers)


def sources_folder(request: Request) -> Path | None:
    """The folder of the source documents: the served project's, else the one the app's settings (or the
    environment) configure; None when none is configured. The documents are read at run time, never stored."""
    kzgraph = getattr(request.app.state, "kzgraph", None)
    project = getattr(kzgraph, "project", None)
    if project is not None and getattr(project, "sources", None) is not None:
        return Path(project.sources)
    settings = getattr(request.app.state, "settings", None)
    configured = settings.sources if isinstance(settings, Settings) else Settings.load().sources
    return Path(configured) if configured is not None else None


def cited_passages(request: Request, citations: Iterable[linked_data.Citation], labels: Labels
                   ) -> list[dict[str, object]]:
    """The citations of a fact with the cited lines of each source document, read from the sources folder
    (:func:`sources_folder`) when the document is there; else with a note that says why they are missing."""
    root, folder = root_of(request), sources_folder(request)
    out: list[dict[str, object]] = []
    for citation in citations:
        lines, note = linked_data.cited_lines(folder, citation.file, citation.line_start, citation.line_end)
        out.append({"document": term(citation.document, labels, root), "start": citation.line_start,
                    "end": citation.line_end, "file": citation.file, "lines": lines, "note": note})
    return out
