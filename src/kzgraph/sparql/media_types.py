"""Content negotiation for SPARQL results and RDF graphs.

A client names the format it wants by the ``Accept`` header with q-values (RFC 9110 §12.5.1) or, where a
browser cannot set headers, by a ``format`` parameter, which takes precedence. Offers are ordered: the
first one is the default when the client accepts anything.

What is offered depends on the answer: SELECT results in the four SPARQL 1.1 results formats
(:data:`RESULT_TYPES`); ASK results in the two that define a boolean (:data:`BOOLEAN_TYPES`; the CSV and TSV
formats are for variable bindings only); graphs in four RDF syntaxes (:data:`GRAPH_TYPES`).
:func:`content_type` gives the ``Content-Type`` header of a chosen type, with the charset that text types
need (RFC 6657 §4: a text/* type without one would default to US-ASCII).
"""

from __future__ import annotations

from collections.abc import Iterable

from kzgraph.errors import NotAcceptable

__all__ = ["BOOLEAN_TYPES", "FORMAT_FALLBACKS", "FORMAT_NAMES", "GRAPH_TYPES", "RESULT_TYPES", "NotAcceptable",
           "choose", "content_type", "negotiate", "parse_accept"]

# SELECT and ASK results (SPARQL 1.1 Query Results JSON, XML, CSV and TSV formats), media type -> rdflib name.
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
# ASK results: only the JSON and XML results formats define a boolean answer.
BOOLEAN_TYPES = {media: RESULT_TYPES[media] for media in ("application/sparql-results+json",
                                                          "application/sparql-results+xml")}
# RDF graphs (CONSTRUCT, DESCRIBE, resource descriptions), media type -> rdflib serializer name.
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
# Short names accepted by the ``format`` parameter.
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "html": "text/html",
    "rdf+xml": "application/rdf+xml",
    "n3": "text/turtle",  # a Turtle document is an N3 document
}
# A short name that stands for another type where its first meaning is not offered: ``xml`` and ``json``
# for graphs (RDF/XML, JSON-LD), as SPARQL clients such as SPARQLWrapper send ``format=xml`` for any query.
FORMAT_FALLBACKS = {
    "xml": "application/rdf+xml",
    "json": "application/ld+json",
}


def parse_accept(accept: str) -> list[tuple[float, str]]:
    """The media ranges of an Accept header with their q-values, most preferred first.

    Ties keep a more specific range before a wildcard and otherwise the header's order (RFC 9110 §12.5.1).
    """
    ranked: list[tuple[float, int, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media, q = parts[0].lower(), 1.0
        if not media:
            continue
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranked.append((q, specificity, -position, media))
    ranked.sort(reverse=True)
    return [(q, media) for q, _, _, media in ranked]


def choose(accept: str | None, offers: Iterable[str]) -> str | None:
    """The offered media type the Accept header prefers, or None when none is acceptable.

    An absent or empty header accepts anything, so the first offer is chosen.
    """
    offered = list(offers)
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranked = parse_accept(accept)
    refused = {media for q, media in ranked if q <= 0}
    for q, media in ranked:
        if q <= 0:
            continue
        if media in offered:
            return media
        if media == "*/*" or media.endswith("/*"):
            for candidate in offered:
                if candidate not in refused and (media == "*/*" or candidate.startswith(media[:-1])):
                    return candidate
    return None


def negotiate(accept: str | None, format_name: str | None, offers: Iterable[str]) -> str:
    """The media type to answer with: the ``format`` parameter if given, else the Accept header.

    A short ``format`` name stands for the media type of FORMAT_NAMES when that is offered, else for an
    offered type with that subtype (``json`` for ``application/json`` where no SPARQL results are offered).

    Raises :class:`NotAcceptable` naming what was asked for and what is offered.
    """
    offered = list(offers)
    if format_name:
        media = FORMAT_NAMES.get(format_name.lower(), format_name.lower())
        if media in offered:
            return media
        fallback = FORMAT_FALLBACKS.get(format_name.lower())
        if fallback in offered:
            return fallback
        for candidate in offered:  # a short name also names a plain type: json -> application/json
            if candidate.partition("/")[2] == format_name.lower():
                return candidate
        raise NotAcceptable(f"format {format_name!r} is not offered here; offered: {', '.join(offered)}")
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptable(f"none of the accepted types ({accept}) is offered; offered: {', '.join(offered)}")
    return chosen


def content_type(media: str) -> str:
    """The Content-Type header of a media type: text types with ``charset=utf-8`` (RFC 6657 §4)."""
    return f"{media}; charset=utf-8" if media.startswith("text/") else media
