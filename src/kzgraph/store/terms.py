"""RDF terms written in SPARQL syntax, for the queries kzgraph sends to stores and binds into named queries."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

__all__ = ["ECHAR", "sparql_term"]

# SPARQL 1.1 Query §19.7 (ECHAR): the escapes that keep a string literal on one line, its quotes inside.
ECHAR = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r",
                       "\b": "\\b", "\f": "\\f"})


def sparql_term(term: Identifier) -> str:
    """A term in SPARQL (and Turtle) syntax, a literal as one short string with its control characters
    escaped: ``Literal.n3()`` keeps tabs and line breaks raw in a long string, which some parsers alter."""
    if isinstance(term, Literal):
        text = '"' + str(term).translate(ECHAR) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{URIRef(term.datatype).n3()}"
        return text
    return str(term.n3())
