"""Writing query results and RDF graphs in a negotiated media type.

SELECT and ASK results in the SPARQL 1.1 Query Results JSON, XML, CSV and TSV formats; graphs in Turtle,
N-Triples, RDF/XML and JSON-LD. rdflib writes all of them except TSV, which pyoxigraph writes
(SPARQL 1.1 Query Results CSV and TSV Formats §3: terms in Turtle syntax, tabs and newlines escaped).

A result cut at the endpoint's row limit carries ``"truncated": true`` as an extra top-level member of its
SPARQL JSON form (the JSON results format, §3, lets a document carry members it does not define); every
format also gets the ``X-Kzgraph-Truncated`` response header (see :mod:`kzgraph.endpoint.routes.sparql`).

The real total of a cut result is given where it is cheap: after the cut the writer keeps counting the rows
(or triples) that the engine still yields, without writing them, up to :data:`COUNT_BOUND` more rows and
:data:`COUNT_SECONDS` seconds; past either bound the total is "at least" the rows counted (:class:`Total`).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast
from xml.sax.saxutils import escape

import pyoxigraph as ox
from rdflib import Graph
from rdflib.query import Result
from rdflib.term import Node

from kzgraph.errors import QueryError
from kzgraph.namespaces import PREFIXES
from kzgraph.sparql.media_types import GRAPH_TYPES, RESULT_TYPES

TSV = "text/tab-separated-values"
JSON = "application/sparql-results+json"


def serialize_graph(graph: Graph, media: str) -> bytes:
    """A graph in one of :data:`~kzgraph.sparql.media_types.GRAPH_TYPES`, written with kzgraph's prefixes:
    bound for Turtle, as the compacting context for JSON-LD."""
    if media == "text/turtle":
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
    if GRAPH_TYPES[media] == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
        return graph.serialize(format=GRAPH_TYPES[media], encoding="utf-8", context=context, auto_compact=True)
    return graph.serialize(format=GRAPH_TYPES[media], encoding="utf-8")


def _serialized(result: Result, fmt: str) -> bytes:
    data = result.serialize(format=fmt)  # no destination: the bytes
    if data is None:
        raise QueryError(f"rdflib wrote no {fmt} for a {result.type} result")
    return data


def serialize_result(result: Result, media: str) -> bytes:
    """A query result in the media type chosen by content negotiation."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        if result.graph is None:
            raise QueryError(f"a {result.type} result without a graph")
        return serialize_graph(result.graph, media)
    if result.type == "SELECT":
        # An unbound variable is left out of its solution (SPARQL 1.1 Query Results XML §2.3.1); Oxigraph's
        # results carry it as None, which rdflib's XML writer refuses.
        result.bindings = [{var: value for var, value in solution.items() if value is not None}
                           for solution in result.bindings]
    if media == TSV:
        solutions = ox.parse_query_results(_serialized(result, "json"), format=ox.QueryResultsFormat.JSON)
        return solutions.serialize(format=ox.QueryResultsFormat.TSV) or b""  # no output given: the bytes
    data = _serialized(result, RESULT_TYPES[media])
    if media == JSON and getattr(result, "truncated", False):
        document = json.loads(data)
        document["truncated"] = True
        data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return data


# -- pyoxigraph answers, written in the worker that evaluated them --------------------------------------------
#
# A worker evaluates a query with Oxigraph and writes the answer in the media type negotiated before evaluation,
# so that only bytes travel to the server (no rdflib terms, no pickled rows). Graphs are written by pyoxigraph's
# serialisers (Turtle, N-Triples, RDF/XML; JSON-LD by rdflib, compacted with kzgraph's prefixes). Solutions are
# written here, from pyoxigraph terms, since pyoxigraph writes only a whole result and an answer may be cut at
# the row limit: each term by its pyoxigraph form (N-Triples syntax for TSV).
#
# A cut answer says so in its body wherever the format has room, with its total (see the module docstring):
# ``"truncated": true, "totalRows": N, "totalExact": true`` in SPARQL JSON, ``<link href="urn:kzgraph:truncated"/>``
# and ``<link href="urn:kzgraph:total-rows:N"/>`` in the head of SPARQL XML and an XML comment, a ``#`` comment
# at the end of Turtle and N-Triples, an XML comment after RDF/XML; CSV, TSV and JSON-LD have no room for it.
# Every format also gets the ``X-Kzgraph-Truncated`` and ``X-Kzgraph-Total-Rows`` headers.

TRUNCATED_LINK = "urn:kzgraph:truncated"
XML_RESULTS = "application/sparql-results+xml"
CSV = "text/csv"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN_TSV = {_XSD + "integer", _XSD + "decimal", _XSD + "double", _XSD + "boolean"}
_OX_GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


class ResultTooLarge(QueryError):
    """An answer longer than the endpoint's byte limit for results (the server never holds more)."""


#: After a cut, at most this many more rows are counted for the total, for at most as many seconds.
COUNT_BOUND = 1_000_000
COUNT_SECONDS = 1.0


@dataclass(frozen=True)
class Total:
    """The rows (or triples) of a whole result: ``rows`` exactly, or at least ``rows`` (``exact`` False)."""

    rows: int
    exact: bool

    def header(self) -> str:
        """The ``X-Kzgraph-Total-Rows`` value: ``12345``, or ``>=1010000`` for a lower bound."""
        return str(self.rows) if self.exact else f">={self.rows}"

    def words(self) -> str:
        return f"{self.rows}" if self.exact else f"at least {self.rows}"


def count_rest(rest: Iterable[object], counted: int, bound: int = COUNT_BOUND,
               seconds: float = COUNT_SECONDS) -> Total:
    """The total of a result of which ``counted`` rows were seen, counting what ``rest`` still yields (nothing
    is written) up to ``bound`` more rows and ``seconds`` seconds."""
    deadline = time.monotonic() + seconds
    more = 0
    for _ in rest:
        more += 1
        if more >= bound or (more % 1024 == 0 and time.monotonic() > deadline):
            return Total(counted + more, False)
    return Total(counted + more, True)


@dataclass
class Written:
    """An answer written in a media type: its form, the body, how many rows or triples it holds, whether the
    row limit cut it and, if it did, the real total as far as it was counted (None: not counted)."""

    form: str
    media: str
    body: bytes
    count: int = 0
    truncated: bool = False
    total: Total | None = None


def _json_term(term: OxTerm) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        datatype = term.datatype.value
        if datatype == _XSD + "string":
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": datatype}
    return {"type": "triple", "value": {"subject": _json_term(term.subject), "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _xml_term(term: OxTerm) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'<literal xml:lang="{escape(term.language)}">{escape(term.value)}</literal>'
        datatype = term.datatype.value
        if datatype == _XSD + "string":
            return f"<literal>{escape(term.value)}</literal>"
        return f'<literal datatype="{escape(datatype)}">{escape(term.value)}</literal>'
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>")


def _csv_value(term: OxTerm | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tsv_value(term: OxTerm | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and term.datatype.value in _PLAIN_TSV and not term.language:
        value = term.value
        if value and "\t" not in value and "\n" not in value:
            return value
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _encoded(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise QueryError(f"the answer holds a string that is not valid Unicode ({error.reason}); it cannot be "
                         "written as UTF-8") from None


class _Budget:
    """Bytes written so far, refused beyond ``limit``."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.size = 0

    def add(self, size: int) -> None:
        self.size += size
        if self.limit is not None and self.size > self.limit:
            raise ResultTooLarge(f"the answer is longer than {self.limit} bytes, the limit of this endpoint for "
                                 "one result; add a LIMIT or select fewer or shorter values")


def write_solutions(variables: list[str], rows: Iterable[Sequence[OxTerm | None]], media: str,
                    max_rows: int | None, max_bytes: int | None = None) -> Written:
    """SELECT solutions (pyoxigraph terms, None where unbound) in a SPARQL results format, cut after
    ``max_rows`` rows; :class:`ResultTooLarge` past ``max_bytes`` bytes."""
    budget = _Budget(max_bytes)
    parts: list[str] = []
    count, truncated = 0, False
    rows = iter(rows)
    if media == JSON:
        bindings: list[dict[str, object]] = []
        for row in rows:
            if max_rows is not None and count >= max_rows:
                truncated = True
                break
            binding: dict[str, object] = {name: _json_term(value) for name, value in zip(variables, row, strict=False)
                                          if value is not None}
            budget.add(sum(len(str(v)) for v in binding.values()) + 16)
            bindings.append(binding)
            count += 1
        document: dict[str, object] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        total = count_rest(rows, count + 1) if truncated else None
        if total is not None:
            document["truncated"] = True
            document["totalRows"] = total.rows
            document["totalExact"] = total.exact
        body = json.dumps(document, ensure_ascii=False)
        return Written("SELECT", media, _encoded(body), count, truncated, total)
    if media in (CSV, TSV):
        value = _csv_value if media == CSV else _tsv_value
        end = "\r\n" if media == CSV else "\n"
        parts.append((",".join(variables) if media == CSV else "\t".join("?" + v for v in variables)) + end)
        separator = "," if media == CSV else "\t"
        for row in rows:
            if max_rows is not None and count >= max_rows:
                truncated = True
                break
            line = separator.join(value(v) for v in row) + end
            budget.add(len(line))
            parts.append(line)
            count += 1
        total = count_rest(rows, count + 1) if truncated else None
        return Written("SELECT", media, _encoded("".join(parts)), count, truncated, total)
    # SPARQL 1.1 Query Results XML
    for row in rows:
        if max_rows is not None and count >= max_rows:
            truncated = True
            break
        cells = "".join(f'<binding name="{name}">{_xml_term(value)}</binding>'
                        for name, value in zip(variables, row, strict=False) if value is not None)
        line = f"<result>{cells}</result>\n"
        budget.add(len(line))
        parts.append(line)
        count += 1
    head = "".join(f'<variable name="{name}"/>' for name in variables)
    total = count_rest(rows, count + 1) if truncated else None
    note = ""
    if total is not None:
        head += f'<link href="{TRUNCATED_LINK}"/><link href="{total_link(total)}"/>'
        note = f"<!-- truncated: the first {count} rows of {total.words()} (the row limit) -->\n"
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
            f"<head>{head}</head>\n{note}<results>\n" + "".join(parts) + "</results>\n</sparql>\n")
    return Written("SELECT", media, _encoded(text), count, truncated, total)


def total_link(total: Total) -> str:
    """The link in the head of a cut SPARQL XML result that gives its total: ``urn:kzgraph:total-rows:N``, or
    ``urn:kzgraph:total-rows-at-least:N``."""
    return f"urn:kzgraph:total-rows:{total.rows}" if total.exact else f"urn:kzgraph:total-rows-at-least:{total.rows}"


def write_boolean(answer: bool, media: str) -> Written:
    """An ASK answer in SPARQL JSON or XML."""
    if media == JSON:
        body = json.dumps({"head": {}, "boolean": answer})
    else:
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>\n")
    return Written("ASK", media, body.encode("utf-8"), 1)


def write_triples(form: str, triples: Iterable[ox.Triple], media: str, max_rows: int | None,
                  max_bytes: int | None = None, prefixes: dict[str, str] | None = None) -> Written:
    """CONSTRUCT or DESCRIBE triples in an RDF syntax, cut after ``max_rows`` triples."""
    triples = iter(triples)
    taken = list(itertools.islice(triples, None if max_rows is None else max_rows + 1))
    truncated = max_rows is not None and len(taken) > max_rows
    total = count_rest(triples, len(taken)) if truncated else None
    if truncated:
        taken = taken[:max_rows]
    prefixes = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()} if prefixes is None else prefixes
    if media in _OX_GRAPH_FORMATS:
        rdf_format = _OX_GRAPH_FORMATS[media]
        try:
            body = ox.serialize(taken, format=rdf_format,
                                prefixes=prefixes if rdf_format != ox.RdfFormat.N_TRIPLES else None) or b""
        except UnicodeEncodeError as error:
            raise QueryError(f"the answer holds a string that is not valid Unicode ({error.reason})") from None
        if total is not None:
            note = f"the first {len(taken)} triples of {total.words()} (the row limit)"
            comment = f"<!-- truncated: {note} -->\n" if media == "application/rdf+xml" else f"# truncated: {note}\n"
            body += comment.encode()
    else:  # JSON-LD, compacted by rdflib with kzgraph's prefixes
        from oxrdflib._converter import from_ox

        graph = Graph()
        for triple in taken:
            graph.add(cast(tuple[Node, Node, Node], from_ox(triple)))
        body = serialize_graph(graph, media)
    _Budget(max_bytes).add(len(body))
    return Written(form, media, body, len(taken), truncated, total)


# -- answers written piece by piece, for full downloads ------------------------------------------------------
#
# A download streams an answer from the worker that evaluates it, without a row limit but within the byte and
# time limits: the worker writes the head and the rows (or triples) in pieces (:class:`StreamWriter`) and the
# server adds the end (:func:`stream_tail`), which says where the answer was cut when a limit stopped it: in
# SPARQL JSON as ``"truncated": true`` and ``"cut"``, in XML, Turtle and N-Triples as a comment. CSV and TSV
# have no room to say it, so a cut download in them is left unfinished (see kzgraph.endpoint.routes.downloads).

#: The media types a download streams, by query form.
STREAM_TYPES: dict[str, tuple[str, ...]] = {
    "SELECT": (JSON, XML_RESULTS, CSV, TSV),
    "ASK": (JSON, XML_RESULTS),
    "CONSTRUCT": ("text/turtle", "application/n-triples"),
    "DESCRIBE": ("text/turtle", "application/n-triples"),
}


class StreamWriter:
    """The pieces of an answer in a streamed media type (:data:`STREAM_TYPES`): :meth:`head`, then one
    :meth:`row` per solution or :meth:`triples` per batch of triples; :func:`stream_tail` ends it."""

    def __init__(self, form: str, media: str, variables: Sequence[str] = (),
                 prefixes: dict[str, str] | None = None):
        if media not in STREAM_TYPES.get(form, ()):
            raise QueryError(f"a {form} answer is not streamed as {media}")
        self.form, self.media, self.variables = form, media, list(variables)
        self.prefixes = {p: str(n) for p, n in PREFIXES.items()} if prefixes is None else prefixes
        self._first = True

    def head(self) -> bytes:
        """What comes before the first row: the variables (SPARQL JSON and XML, the header line of CSV and TSV)."""
        if self.form != "SELECT":
            return b""
        if self.media == JSON:
            return _encoded('{"head": {"vars": ' + json.dumps(self.variables, ensure_ascii=False)
                            + '}, "results": {"bindings": [\n')
        if self.media == XML_RESULTS:
            head = "".join(f'<variable name="{name}"/>' for name in self.variables)
            return _encoded('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
                            f"<head>{head}</head>\n<results>\n")
        if self.media == CSV:
            return _encoded(",".join(self.variables) + "\r\n")
        return _encoded("\t".join("?" + v for v in self.variables) + "\n")

    def row(self, row: Sequence[OxTerm | None]) -> bytes:
        """One solution (pyoxigraph terms, None where unbound)."""
        if self.media == JSON:
            binding = {name: _json_term(value) for name, value in zip(self.variables, row, strict=False)
                       if value is not None}
            text = ("" if self._first else ",\n") + json.dumps(binding, ensure_ascii=False)
            self._first = False
            return _encoded(text)
        if self.media == XML_RESULTS:
            cells = "".join(f'<binding name="{name}">{_xml_term(value)}</binding>'
                            for name, value in zip(self.variables, row, strict=False) if value is not None)
            return _encoded(f"<result>{cells}</result>\n")
        if self.media == CSV:
            return _encoded(",".join(_csv_value(v) for v in row) + "\r\n")
        return _encoded("\t".join(_tsv_value(v) for v in row) + "\n")

    def triples(self, batch: Sequence[ox.Triple]) -> bytes:
        """A batch of triples: Turtle with the prefixes declared once, before the first batch."""
        if not batch:
            return b""
        turtle = self.media == "text/turtle"
        try:
            body = ox.serialize(batch, format=ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.N_TRIPLES,
                                prefixes=self.prefixes if turtle else None) or b""
        except UnicodeEncodeError as error:
            raise QueryError(f"the answer holds a string that is not valid Unicode ({error.reason})") from None
        if turtle and not self._first:  # the prefixes were declared by the first batch
            while body.startswith(b"@prefix "):
                body = body[body.index(b"\n") + 1:]
        self._first = False
        return body

    def boolean(self, answer: bool) -> bytes:
        """An ASK answer, whole."""
        return write_boolean(answer, self.media).body


def stream_tail(form: str, media: str, cut: str | None) -> bytes | None:
    """The end of a streamed answer; ``cut`` says why it stops early (a limit), if it does. None: the format
    has no room to say it (CSV and TSV cut early)."""
    if form == "ASK":
        return b""
    if media == JSON:
        return b"\n]}" + (b', "truncated": true, "cut": ' + _encoded(json.dumps(cut, ensure_ascii=False))
                          if cut else b"") + b"}\n"
    if media == XML_RESULTS:
        note = f"<!-- truncated: {escape(cut).replace('--', '- -')} -->\n" if cut else ""
        return _encoded(f"</results>\n{note}</sparql>\n")
    if media in (CSV, TSV):
        return None if cut else b""
    return _encoded(f"# truncated: {cut}\n") if cut else b""
