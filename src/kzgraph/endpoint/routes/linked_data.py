"""Linked data over HTTP: every kzgraph IRI resolves on the local server, as HTML or RDF.

    app.include_router(linked_data_api.router)

The path after ``https://w3id.org/kzgraph/`` is the local path (docs/web.md): ``/id/state/KAZ`` describes
``https://w3id.org/kzgraph/id/state/KAZ``; ``/ontology`` serves the ontology with every term (a fragment
``#Term`` never reaches a server; the HTML page has an anchor per term); ``/graph/…`` a named graph;
``/dataset`` the VoID description. Content negotiation (``Accept`` or ``format``, RFC 9110 §12.5.1):
Turtle (the default), N-Triples, RDF/XML, JSON-LD, or HTML for browsers. An IRI the graph does not know
is answered 404, with a page that suggests resources of the same kind.

The RDF formats serve the Concise Bounded Description (:mod:`kzgraph.sparql.describe`) without incoming links;
the HTML page shows the incoming links too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from decimal import Decimal
from html import escape
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from markupsafe import Markup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, Namespace
from rdflib.term import Identifier, Node

from kzgraph.build import statistics as stats
from kzgraph.endpoint import timeline
from kzgraph.endpoint.http import get_store
from kzgraph.endpoint.routes.sparql import served_void
from kzgraph.endpoint.templating import (
    HTML,
    VARY,
    Labels,
    Term,
    best_label,
    cited_passages,
    curie,
    href,
    media_for,
    render,
    root_of,
    rows,
    sources_folder,
    term,
)
from kzgraph.namespaces import BASE
from kzgraph.sparql import describe as linked_data
from kzgraph.sparql.describe import Description, NotAnIri, Queryable
from kzgraph.sparql.media_types import GRAPH_TYPES
from kzgraph.sparql.serialization import serialize_graph

router = APIRouter(tags=["linked data"])
SCHEMA = Namespace("https://schema.org/")

OFFERED = (*GRAPH_TYPES, HTML)
SUGGESTIONS = 8
#: The store the pages read (a FastAPI dependency).
Store = Annotated[Queryable, Depends(get_store)]


def _sorted_terms(nodes: Iterable[Node]) -> list[Identifier]:
    """RDF terms in rdflib's order of terms."""
    return sorted(node for node in nodes if isinstance(node, Identifier))


def rdf(graph: Graph, media: str) -> Response:
    """A graph serialised in a negotiated RDF media type (JSON-LD compacted with the project's prefixes)."""
    return Response(serialize_graph(graph, media), media_type=media, headers=VARY)


def similar(kg: Queryable, iri: str) -> tuple[list[URIRef], int, str]:
    """IRIs of the same kind (same path up to the last ``/``) that look most like a missing IRI."""
    prefix = iri.rsplit("/", 1)[0] + "/"
    if not prefix.startswith(BASE) or len(prefix) <= len(BASE):
        return [], 0, prefix
    known = [cast(URIRef, row[0]) for row in linked_data.select_rows(kg.query(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), {Literal(prefix).n3()})) }}"))]
    by_slug = {str(s)[len(prefix):]: s for s in known}
    close = difflib.get_close_matches(iri[len(prefix):], list(by_slug), n=SUGGESTIONS, cutoff=0.4)
    return [by_slug[slug] for slug in close] or sorted(known)[:SUGGESTIONS], len(known), prefix


def not_found(request: Request, kg: Queryable, iri: str, media: str, reason: str | None = None) -> Response:
    message = reason or f"The graph knows no resource {iri}"
    if media != HTML:
        return PlainTextResponse(message + "\n", status_code=404, headers=VARY)
    suggestions: list[URIRef] = []
    count, prefix = 0, None
    if not reason:
        suggestions, count, prefix = similar(kg, iri)
    labels = linked_data.labels(kg, suggestions)
    return render(request, "not_found.html", status_code=404, headers=VARY, iri=iri, message=message,
                  suggestions=[term(s, labels, root_of(request)) for s in suggestions], count=count, prefix=prefix)


#: Facts of a group a page shows at a time: a state's memberships at once, ten of the other groups.
PAGE_SIZE = 10
PAGE_SIZES = {"memberships": 50}


def page_size(group: str) -> int:
    """How many items of a group a page shows at a time."""
    return PAGE_SIZES.get(group, PAGE_SIZE)


def _dates(item: linked_data.Item) -> str:
    """The dates of an item as text: ``1992-05-15 – 2010``, ``since 2001 (no end recorded)``, ``undated``."""
    start, end = item.start, item.end
    if start is None and end is None:
        return "undated"
    if end is None:
        lasting = item.section in ("memberships", "positions", "leases")
        return f"since {start} (no end recorded)" if lasting else f"{start}"
    if start is None:
        return f"until {end}"
    return f"{start}" if str(start) == str(end) else f"{start} – {end}"


def page_of(request: Request, key: str, items: list[linked_data.Item]) -> tuple[int, int, list[linked_data.Item]]:
    """The page of a group a request asks for (``?<group>=<page>``, clamped): its number, the number of
    pages, and its items."""
    size = page_size(key)
    pages = max(1, -(-len(items) // size))
    try:
        number = min(max(int(request.query_params.get(key, "1")), 1), pages)
    except ValueError:
        number = 1
    return number, pages, items[(number - 1) * size:number * size]


def profile_sections(request: Request, iri: str, grouped: dict[str, list[linked_data.Item]],
                     description: Description) -> tuple[list[dict[str, object]], str]:
    """The groups of a resource's profile as a page shows them (each paged by ``?<group>=<page>``), and the
    timeline of its memberships as SVG (with a note naming the memberships without a start date)."""
    found, cites = description.labels, description.citations
    root, resource = root_of(request), URIRef(iri)
    sections: list[dict[str, object]] = []
    bars: list[timeline.Bar] = []
    undated: list[tuple[str, str]] = []
    for section in linked_data.SECTIONS:
        items = grouped[section.key]
        if not items:
            continue
        number, pages, shown = page_of(request, section.key, items)
        sections.append({
            "key": section.key, "title": section.title, "total": len(items), "page": number, "pages": pages,
            "first": (number - 1) * page_size(section.key) + 1,
            "last": (number - 1) * page_size(section.key) + len(shown),
            "tiv": _tiv(items) if section.key == "transfers" else None,
            "items": [{"subject": term(i.iri, found, root), "dates": _dates(i),
                       "by": [term(p, found, root) for p in i.links],
                       "details": _details(i, resource, found, root),
                       "citations": [cited(c, found, root) for c in cites.get(i.iri, [])]}
                      for i in shown]})
        if section.key == "memberships":
            for i in items:
                other = [v for p in (linked_data.KZ.organisation, linked_data.KZ.member)
                         for v in i.details.get(p, []) if v != resource]
                role = [_name(r, found) for r in i.details.get(linked_data.KZ.role, [])]
                name = ", ".join(_name(o, found) for o in other) or _name(i.iri, found)
                label = name + (f" ({', '.join(role)})" if role else "")
                link = href(str(i.iri), root)
                if i.start_year is None:
                    undated.append((link or "", label))
                else:
                    bars.append(timeline.Bar(label, link, i.start_year, i.end_year, _dates(i)))
    picture = timeline.svg(bars)
    if undated:
        names = ", ".join(f'<a href="{escape(link)}">{escape(label)}</a>' for link, label in undated)
        picture += f'<p class="note undated">Without a start date in the data, so not drawn: {names}.</p>'
    return sections, picture


MULTIPLIERS = {3: "thousand", 6: "million", 9: "billion", 12: "trillion"}


def _details(item: linked_data.Item, resource: URIRef, found: Labels, root: str) -> list[tuple[Term, list[Term]]]:
    """An item's details as a page shows them: a value with its multiplier and unit as one amount
    (``115 million US dollar``), the others as property and values; the resource itself left out."""
    details = dict(item.details)
    shown: list[tuple[Term, list[Term]]] = []
    values = details.pop(linked_data.KZ.value, [])
    multiplier = details.pop(linked_data.KZ.unitMultiplier, [])
    units = details.pop(linked_data.KZ.unit, [])
    if values:
        power = int(multiplier[0]) if multiplier and isinstance(multiplier[0], Literal) else 0
        scale = MULTIPLIERS.get(power, f"× 10^{power}" if power else "")
        unit = " ".join(_name(u, found) for u in units)
        text = ", ".join(str(v) for v in values) + (f" {scale}" if scale else "") + (f" {unit}" if unit else "")
        shown.append((term(linked_data.KZ.value, found, root), [Term("literal", text)]))
    elif units:
        details[linked_data.KZ.unit] = units
    for prop, found_values in details.items():
        if not _is_self(found_values, resource):
            shown.append((term(prop, found, root), [term(v, found, root) for v in found_values]))
    return shown


def _name(node: Node, found: Labels) -> str:
    """What a timeline calls a resource: its label, else its short name."""
    return best_label(found.get(cast(URIRef, node))) or curie(str(node))


def _is_self(values: list[Node], resource: URIRef) -> bool:
    return all(v == resource for v in values)


def _tiv(items: list[linked_data.Item]) -> str | None:
    """The sum of SIPRI TIV delivered over transfers that give one (millions of TIV), as text."""
    values = [float(v) for i in items for v in i.details.get(linked_data.KZ.tivDelivered, [])
              if isinstance(v, Literal)]
    if not values:
        return None
    return f"{sum(values):,.1f} million TIV delivered over {len(values)} register deals"


def page(request: Request, description: Description, media: str, template: str = "resource.html",
         inline: bool = False, **context: object) -> Response:
    """A description as the negotiated RDF format, or as an HTML page."""
    if media != HTML:
        return rdf(description.graph, media)
    root = root_of(request)
    labels = description.labels
    types = [term(t, labels, root) for t in _sorted_terms(description.graph.objects(description.iri, RDF.type))]
    others = sorted((label for label in labels.get(description.iri, []) if label.language != "en"),
                    key=lambda label: (label.language or "", str(label)))
    incoming = [{"subject": term(s, labels, root), "property": term(p, labels, root),
                 "via": term(v, labels, root) if v is not None else None,
                 "citations": [cited(c, labels, root) for c in description.citations.get(s, [])]}
                for s, p, v in description.incoming]
    return render(request, template, headers=VARY, iri=str(description.iri),
                  title=best_label(labels.get(description.iri)) or str(description.iri)[len(BASE):],
                  other_labels=others, types=types,
                  rows=[r for r in rows(description.graph, description.iri, labels, root, inline=inline)
                        if URIRef(r.property.iri or "") not in linked_data.SHORTCUTS],
                  shortcuts=[r for r in rows(description.graph, description.iri, labels, root)
                             if URIRef(r.property.iri or "") in linked_data.SHORTCUTS],
                  sources=cited_passages(request, description.citations.get(description.iri, []), labels),
                  incoming=incoming, incoming_total=description.incoming_total,
                  source_card=source_card(description, root), passage=passage(request, description),
                  # context holds template variables only, never render's status_code or headers
                  formats=FORMAT_LINKS, **context)  # type: ignore[arg-type]


SOURCE_FIELDS = (("title", DCTERMS.title), ("author", DCTERMS.creator), ("publisher", DCTERMS.publisher),
                 ("date", DCTERMS.date), ("kind", linked_data.KZ.documentKind), ("language", DCTERMS.language),
                 ("URL", FOAF.page), ("URL", SCHEMA.url), ("URL", DCTERMS.source), ("file", linked_data.KZ.fileName),
                 ("lines", linked_data.KZ.lineCount))


def source_card(description: Description, root: str) -> list[tuple[str, object]]:
    """What a reader checks first about a source document: title, author, publisher, date, kind, URL (each
    said to be missing where the data has none), language, file and length; [] for other resources."""
    if (description.iri, RDF.type, linked_data.KZ.SourceDocument) not in description.graph:
        return []
    card: list[tuple[str, object]] = []
    for name, prop in SOURCE_FIELDS:
        values = sorted(description.graph.objects(description.iri, prop), key=str)
        if any(existing == name for existing, _ in card) and not values:
            continue
        card.extend((name, term(v, description.labels, root)) for v in values)
    for name in ("title", "author", "publisher", "date", "kind", "URL"):
        if not any(existing == name for existing, _ in card):
            card.append((name, "not recorded in the data"))
    order = [name for name, _ in SOURCE_FIELDS]
    return sorted(card, key=lambda entry: order.index(entry[0]))


def passage(request: Request, description: Description) -> dict[str, object] | None:
    """The lines ``?lines=START-END`` of a source document, read from the sources folder (on its page)."""
    asked = request.query_params.get("lines")
    if asked is None or (description.iri, RDF.type, linked_data.KZ.SourceDocument) not in description.graph:
        return None
    first, _, last = asked.partition("-")
    if not first.isdigit() or not (last or first).isdigit() or int(first) < 1:
        return {"start": asked, "end": "", "lines": [], "note": f"?lines={asked} is not a line range such as 12-20"}
    start, end = int(first), int(last or first)
    name = description.graph.value(description.iri, linked_data.KZ.fileName)
    lines, note = linked_data.cited_lines(sources_folder(request), str(name) if name is not None else None,
                                          start, end, limit=400)
    return {"start": start, "end": end, "lines": lines,
            "note": f"The lines are not shown: {note}." if note and not lines else note}


def cited(citation: linked_data.Citation, labels: Labels, root: str) -> dict[str, object]:
    """A citation as a page shows it: the document, its lines, and a link to the passage."""
    return {"document": term(citation.document, labels, root), "start": citation.line_start,
            "end": citation.line_end, "passage": passage_href(citation, root)}


def passage_href(citation: linked_data.Citation, root: str) -> str | None:
    """Where the cited lines of a source document are shown: its page with the line range."""
    local = href(str(citation.document), root)
    if local is None or citation.line_start is None or not local.startswith(root + "/"):
        return None
    end = citation.line_end if citation.line_end is not None else citation.line_start
    return f"{local}?lines={citation.line_start}-{end}"


FORMAT_LINKS = [("Turtle", "turtle"), ("N-Triples", "nt"), ("RDF/XML", "rdfxml"), ("JSON-LD", "jsonld")]


@router.get("/id/{path:path}")
def resource(request: Request, path: str, kg: Store) -> Response:
    """A resource under ``https://w3id.org/kzgraph/id/``: a state, organisation, fact, concept, source …"""
    return _resource(request, linked_data.iri_of_path("id/" + path), kg)


@router.get("/ontology/{path:path}")
def ontology_version(request: Request, path: str, kg: Store) -> Response:
    """A resource under ``https://w3id.org/kzgraph/ontology/`` (the ontology's version IRI)."""
    return _resource(request, linked_data.iri_of_path("ontology/" + path), kg)


def _resource(request: Request, iri: str, kg: Queryable) -> Response:
    media = media_for(request, OFFERED)  # 406 (NotAcceptable) when nothing acceptable is offered
    try:
        if media != HTML:  # tools get the CBD alone: no incoming links, labels or citations to gather
            graph = linked_data.cbd(kg, URIRef(iri))
            if not len(graph) and not linked_data.is_known(kg, iri):
                return not_found(request, kg, iri, media)
            return rdf(graph, media)
        description, grouped = linked_data.describe_profile(
            kg, iri, lambda key, items: page_of(request, key, items)[2])
    except NotAnIri as error:
        return not_found(request, kg, iri, media, reason=str(error))
    if not description.known:
        return not_found(request, kg, iri, media)
    sections, picture = profile_sections(request, iri, grouped, description)
    return page(request, description, media, query=f"DESCRIBE <{iri}>",
                incoming_query=linked_data.incoming_query(iri), sections=sections, timeline=Markup(picture),
                profile_href=root_of(request) + "/profile/" + iri[len(BASE):])


@router.get("/profile/{path:path}")
def profile_json(request: Request, path: str, kg: Store, group: str | None = None, page: int = 1,
                 size: int = 100) -> Response:
    """The profile of a resource as JSON: every group of facts that name it (memberships, agreements,
    exercises, transfers, leases, figures, documents, positions, claims, other) with its total and one page
    of items (``group``, ``page``, ``size`` up to 1000), each with its dates and details."""
    iri = linked_data.iri_of_path(path)
    keys = [s.key for s in linked_data.SECTIONS]
    if group is not None and group not in keys:
        return PlainTextResponse(f"unknown group {group!r}; the groups are {', '.join(keys)}\n", status_code=400)
    if not 1 <= size <= 1000 or page < 1:
        return PlainTextResponse("size must be 1 to 1000 and page 1 or more\n", status_code=400)
    try:
        grouped, found = linked_data.profile(kg, iri)
    except NotAnIri as error:
        return PlainTextResponse(str(error) + "\n", status_code=404)
    if not any(grouped.values()) and not linked_data.is_known(kg, iri):
        return PlainTextResponse(f"The graph knows no resource {iri}\n", status_code=404)

    def value(node: Node) -> object:
        """A literal as a JSON number or boolean where it is one, else as its text; an IRI with its label."""
        if isinstance(node, Literal):
            python = node.toPython()
            if isinstance(python, bool | int | float):
                return python
            if isinstance(python, Decimal):
                return int(python) if python == python.to_integral_value() else float(python)
            return str(node)
        return {"iri": str(node), "label": best_label(found.get(cast(URIRef, node)))}

    groups = []
    for section in linked_data.SECTIONS:
        if group is not None and section.key != group:
            continue
        items = grouped[section.key]
        shown = items[(page - 1) * size:page * size]
        groups.append({"key": section.key, "title": section.title, "total": len(items), "page": page,
                       "size": size, "truncated": len(items) > page * size,
                       "items": [{"iri": str(i.iri), "label": best_label(found.get(i.iri)),
                                  "types": [str(t) for t in i.types], "links": [str(p) for p in i.links],
                                  "start": str(i.start) if i.start is not None else None,
                                  "end": str(i.end) if i.end is not None else None,
                                  "details": {curie(str(p)): [value(v) for v in vs] for p, vs in i.details.items()}}
                                 for i in shown]})
    return JSONResponse({"iri": iri, "label": best_label(found.get(URIRef(iri))) or
                         best_label(linked_data.labels(kg, [URIRef(iri)]).get(URIRef(iri))), "groups": groups})


@router.get("/vocab")
def vocabulary(request: Request) -> Response:
    """``https://w3id.org/kzgraph/vocab`` (the ontology's ``rdfs:seeAlso``): the ontology, by a 303 redirect."""
    target = root_of(request) + "/ontology"
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=303, headers=VARY)


@router.get("/ontology")
def ontology(request: Request, kg: Store) -> Response:
    """The ontology ``https://w3id.org/kzgraph/ontology#`` with every term ``…/ontology#Term``."""
    media = media_for(request, OFFERED)  # 406 (NotAcceptable) when nothing acceptable is offered
    description = linked_data.describe_ontology(kg)
    if media != HTML:
        return rdf(description.graph, media)
    root, labels = root_of(request), description.labels
    terms: list[dict[str, object]] = []
    for iri in linked_data.ontology_terms(description):
        name = str(iri)[len(str(linked_data.KZ)):]
        terms.append({"anchor": name, "iri": str(iri), "title": best_label(labels.get(iri)) or name or "ontology",
                      "types": [term(t, labels, root) for t in _sorted_terms(description.graph.objects(iri, RDF.type))],
                      "rows": rows(description.graph, iri, labels, root)})
    return render(request, "ontology.html", headers=VARY, iri=str(linked_data.ONTOLOGY), terms=terms,
                  formats=FORMAT_LINKS)


@router.get("/graph/{path:path}")
def named_graph(request: Request, path: str, kg: Store) -> Response:
    """A named graph (one per source file, and ``graph/derived``): its triples, or a page listing its subjects."""
    iri = linked_data.iri_of_path("graph/" + path)
    media = media_for(request, OFFERED)  # 406 (NotAcceptable) when nothing acceptable is offered
    try:
        description = linked_data.describe_graph(kg, iri)
    except NotAnIri as error:
        return not_found(request, kg, iri, media, reason=str(error))
    if not len(description.graph):
        return not_found(request, kg, iri, media, reason=f"The store has no named graph {iri}")
    if media != HTML:
        return rdf(description.graph, media)
    root = root_of(request)
    subjects = sorted({s for s in description.graph.subjects() if isinstance(s, URIRef)},
                      key=lambda s: (best_label(description.labels.get(s)) or str(s)).lower())
    return render(request, "graph.html", headers=VARY, iri=iri, triples=len(description.graph),
                  subjects=[term(s, description.labels, root) for s in subjects], formats=FORMAT_LINKS,
                  query=f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")


@router.get("/dataset")
def dataset(request: Request, kg: Store) -> Response:
    """The VoID description of the dataset (W3C VoID), as ``/void`` serves it."""
    return _void_resource(request, kg, stats.DATASET)


@router.get("/dataset/{path:path}")
def dataset_part(request: Request, path: str, kg: Store) -> Response:
    """A class or property partition of the VoID description."""
    return _void_resource(request, kg, linked_data.iri_of_path("dataset/" + path))


def _void_resource(request: Request, kg: Queryable, iri: str) -> Response:
    media = media_for(request, OFFERED)  # 406 (NotAcceptable) when nothing acceptable is offered
    void = linked_data.bind_prefixes(served_void(request))
    whole = iri == stats.DATASET  # the dataset's page and RDF are the whole VoID description
    try:
        description = linked_data.describe_in(void, kg, iri, whole=whole)
    except NotAnIri as error:
        return not_found(request, kg, iri, media, reason=str(error))
    if not description.known:
        return not_found(request, kg, iri, media, reason=f"The VoID description has no resource {iri}")
    return page(request, description, media, inline=whole)

