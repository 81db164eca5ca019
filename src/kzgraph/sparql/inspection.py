"""What a SPARQL query or update sent by anyone may do, decided before anything runs.

Two inspections make the same checks. A query that rdflib's engine evaluates is parsed with rdflib's SPARQL
1.1 grammar and its algebra inspected (:func:`inspect_query`). A query or update that Oxigraph evaluates — every
update, and every query on an Oxigraph store — is inspected on its tokens (:func:`inspect_query_text`,
:func:`inspect_update`): a regular expression reads strings, IRIs, comments, variables, prefixed names and
keywords in linear time and without a depth limit, so that no valid request is refused for its size or shape
(rdflib's recursive parser refuses deep ones); Oxigraph, which parses it without such a limit, checks its
syntax. Either way comments, prefixes, case and escapes cannot hide anything:

* ``SERVICE`` (SPARQL 1.1 Federated Query §3) only to endpoints on an explicit allow-list, never to a variable;
* the dataset — ``FROM`` / ``FROM NAMED`` (SPARQL 1.1 Query §13.2), the protocol's ``default-graph-uri`` /
  ``named-graph-uri`` (SPARQL 1.1 Protocol §2.1.4), ``USING`` / ``USING NAMED`` (SPARQL 1.1 Update §3.1.3)
  and the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` (Protocol §2.2.3) — names only graphs the
  store holds: a graph is never fetched from the web or read from a file;
* ``LOAD`` (Update §3.1.4) is refused.

Codepoint escapes (``\\u0041``, Query §19.2) are expanded once here, and the expanded text is what the engine
evaluates, so that the parser inspected here and the engine read the very same characters.
The result of an inspection is a plan: the text to evaluate, its form and the dataset it runs on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

from pyparsing import ParserElement, ParseResults
from rdflib.plugins.sparql import parser as sparql_parser
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate, traverse
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node, Variable

from kzgraph.errors import QueryRefused, QuerySyntaxError
from kzgraph.namespaces import PREFIXES

__all__ = ["QueryDataset", "QueryPlan", "QueryRefused", "QuerySyntaxError", "UpdatePlan", "check_graphs",
           "check_services", "describe_update_error", "expand_escapes", "inspect_query", "inspect_query_text",
           "inspect_update", "services"]

_Translation = TypeVar("_Translation")


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query runs on (Query §13): ``None`` is the service's own choice — the union of all
    graphs as the default graph, every named graph of the store as the named graphs."""

    default: tuple[str, ...] | None = None
    named: tuple[str, ...] | None = None

    @property
    def is_service_default(self) -> bool:
        return self.default is None and self.named is None


@dataclass
class QueryPlan:
    """A query that passed inspection: the text the engine evaluates and the dataset it runs on."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    dataset: QueryDataset
    base: str | None
    algebra: Query | None = field(repr=False)  # rdflib's translation, without its dataset clause (None: the
    # lexical inspection of a query Oxigraph evaluates)


@dataclass
class UpdatePlan:
    """An update request that passed inspection: the text to apply (``using-graph-uri`` and
    ``using-named-graph-uri`` written into it as USING clauses)."""

    text: str


def expand_escapes(text: str) -> str:
    """The text with its codepoint escapes expanded (Query §19.2)."""
    try:
        return sparql_parser.expandUnicodeEscapes(text)
    except ValueError as error:
        raise QuerySyntaxError(f"SPARQL syntax error: {error}") from None


def _syntax_error(error: Exception, what: str) -> QuerySyntaxError:
    line, column = getattr(error, "lineno", None), getattr(error, "col", None)
    reason = getattr(error, "msg", None) or str(error)
    where = f" at line {line}, column {column}" if line is not None else ""
    return QuerySyntaxError(f"SPARQL {what} syntax error{where}: {reason}")


def _parse(grammar: ParserElement, text: str, what: str) -> ParseResults:
    try:
        return grammar.parse_string(text, parse_all=True)
    except RecursionError:
        raise QuerySyntaxError(f"SPARQL {what} is nested too deeply to parse") from None
    except Exception as error:  # pyparsing's ParseException and ParseSyntaxException
        raise _syntax_error(error, what) from None


def _translate(translate: Callable[..., _Translation], parsed: Any, base: str | None,
               prefixes: Mapping[str, str] | None, what: str) -> _Translation:
    try:
        return translate(parsed, base=base, initNs=dict(prefixes or {}))
    except RecursionError:
        raise QuerySyntaxError(f"SPARQL {what} is nested too deeply to parse") from None
    except Exception as error:  # undeclared prefixes, aggregates misused, ...
        unbound = re.fullmatch(r"Unknown namespace prefix : (.*)", str(error))
        if unbound:
            own = [name for name in PREFIXES if name in (prefixes or {})]  # the project's own first
            known = ", ".join(own + sorted(set(prefixes or {}) - set(own))) or "none"
            raise QuerySyntaxError(f"prefix '{unbound.group(1)}:' is not bound; declare it with PREFIX or use one "
                                   f"of: {known}") from None
        raise QuerySyntaxError(f"SPARQL {what} error: {error}") from None


def _field(node: CompValue, name: str) -> Any:
    """A part of a parsed node, or None (CompValue.get returns the name itself for a missing part)."""
    return node[name] if name in node else None  # noqa: SIM401 (CompValue.get differs from dict.get)


def services(algebra: object) -> list[Node]:
    """The endpoints (IRIs or variables) of every SERVICE clause anywhere in an algebra tree, including
    sub-queries, EXISTS filters and the WHERE clauses of updates."""
    found: list[Node] = []

    def visit(node: object) -> None:
        if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
            found.append(_field(node, "term"))

    traverse(algebra, visitPre=visit)
    return found


def check_services(algebra: object, allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for term in services(algebra):
        if isinstance(term, Variable):
            raise QueryRefused(f"SERVICE ?{term} is refused: a SERVICE endpoint must be an IRI on this "
                               "endpoint's allow-list")
        if str(term) not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            raise QueryRefused(f"SERVICE <{term}> is refused: this endpoint reaches no other endpoint except "
                               f"those on its allow-list (kzgraph serve --allow-service URL); allowed: {listed}")


def check_graphs(names: Iterable[str], held: Iterable[str], where: str) -> None:
    """Refuse graph names the store does not hold: they are never fetched."""
    held = set(held)
    for name in names:
        if str(name) not in held:
            raise QueryRefused(f"{where} <{name}> is refused: the store holds no graph of that name, and this "
                               "endpoint never fetches graphs from the web or from files")


def _dataset_of(clauses: list[CompValue] | None) -> QueryDataset:
    if not clauses:
        return QueryDataset()
    default = tuple(str(c["default"]) for c in clauses if _field(c, "default") is not None)
    named = tuple(str(c["named"]) for c in clauses if _field(c, "named") is not None)
    return QueryDataset(default, named)



def _protocol_dataset(default_graphs: Iterable[str] | None, named_graphs: Iterable[str] | None,
                      graphs: Iterable[str]) -> QueryDataset | None:
    """The dataset the protocol's ``default-graph-uri`` / ``named-graph-uri`` give, its graphs checked; None
    when it gives neither (the query's own FROM clauses then decide)."""
    default = () if default_graphs is None else tuple(default_graphs)
    named = () if named_graphs is None else tuple(named_graphs)
    if not (default or named):
        return None
    check_graphs(default, graphs, "default-graph-uri")
    check_graphs(named, graphs, "named-graph-uri")
    return QueryDataset(default, named)

def inspect_query(text: str, *, graphs: Iterable[str], allowed_services: Iterable[str] = (),
                  base: str | None = None, prefixes: Mapping[str, str] | None = None,
                  default_graphs: Iterable[str] | None = None,
                  named_graphs: Iterable[str] | None = None) -> QueryPlan:
    """Parse and inspect a query; raise :class:`QuerySyntaxError` or :class:`QueryRefused`.

    ``graphs`` are the names of the graphs the store holds; ``default_graphs`` / ``named_graphs`` the
    protocol's ``default-graph-uri`` / ``named-graph-uri`` values, which replace the query's own
    FROM / FROM NAMED (Protocol §2.1.4). The plan's dataset is the one the engine must use; the algebra has
    no dataset clause left, so that no engine acts on it by itself.
    """
    text = expand_escapes(text)
    parsed = _parse(sparql_parser.Query, text, "query")
    query = _translate(translateQuery, parsed, base, prefixes, "query")
    check_services(query.algebra, allowed_services)
    dataset = _protocol_dataset(default_graphs, named_graphs, graphs)
    if dataset is None:
        dataset = _dataset_of(_field(query.algebra, "datasetClause"))
        check_graphs(dataset.default or (), graphs, "FROM")
        check_graphs(dataset.named or (), graphs, "FROM NAMED")
    query.algebra["datasetClause"] = None
    form = query.algebra.name.replace("Query", "").upper()
    return QueryPlan(text, form, dataset, base, query)


def describe_update_error(text: str, prefixes: Mapping[str, str] | None = None,
                          limit: int = 10_000) -> QuerySyntaxError | None:
    """A syntax error of an update request in the words of rdflib's parser (it names the token expected and
    points into the failing operation), for a request of at most ``limit`` characters; None if that parser
    finds no error, is too slow for the text, or nests too deeply for it."""
    import pyparsing

    if len(text) > limit:
        return None
    text = expand_escapes(text)
    p = sparql_parser
    strict = p.Prologue + p.Update1 + pyparsing.ZeroOrMore(pyparsing.Literal(";") + p.Prologue + p.Update1) \
        + pyparsing.Optional(pyparsing.Literal(";") + p.Prologue)
    try:
        parsed = strict.parse_string(text, parse_all=True)
    except pyparsing.ParseBaseException as error:
        return _syntax_error(error, "update")
    except RecursionError:
        return None
    del parsed
    try:
        _translate(translateUpdate, _parse(sparql_parser.UpdateUnit, text, "update")[0], None, prefixes, "update")
    except QuerySyntaxError as error:
        return None if "nested too deeply" in str(error) else error
    return None


def inspect_update(text: str, *, graphs: Iterable[str], allowed_services: Iterable[str] = (),
                   base: str | None = None, prefixes: Mapping[str, str] | None = None,
                   using_graphs: Iterable[str] = (), using_named_graphs: Iterable[str] = ()) -> UpdatePlan:
    """Inspect an update request that Oxigraph applies; raise :class:`QuerySyntaxError` or :class:`QueryRefused`.

    The checks are made on the tokens of the text (no depth limit, linear time: see :func:`inspect_query_text`);
    the syntax is Oxigraph's to check when it applies the update. ``using_graphs`` / ``using_named_graphs`` are
    the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` values: they act as USING / USING NAMED
    clauses of every DELETE/INSERT operation and may not be combined with USING, USING NAMED or WITH in the
    request (Protocol §2.2.3).
    """
    text = expand_escapes(text)
    reading = _read(text, base, prefixes)
    if reading.loads:
        raise QueryRefused(f"LOAD <{reading.loads[0]}> is refused: this endpoint never fetches data from the "
                           "web or from files; send the data itself (INSERT DATA or the graph store protocol)")
    _check_read_services(reading.services, allowed_services)
    using_graphs, using_named_graphs = tuple(using_graphs), tuple(using_named_graphs)
    if using_graphs or using_named_graphs:
        if reading.clauses.get("USING") or reading.clauses.get("USING NAMED"):
            raise QueryRefused("using-graph-uri / using-named-graph-uri may not be combined with USING or "
                               "USING NAMED in the request (SPARQL 1.1 Protocol §2.2.3)")
        if reading.withs:
            raise QueryRefused("using-graph-uri / using-named-graph-uri may not be combined with WITH in the "
                               "request (SPARQL 1.1 Protocol §2.2.3)")
    check_graphs(reading.clauses.get("USING", []), graphs, "USING")
    check_graphs(reading.clauses.get("USING NAMED", []), graphs, "USING NAMED")
    check_graphs(using_graphs, graphs, "using-graph-uri")
    check_graphs(using_named_graphs, graphs, "using-named-graph-uri")
    if using_graphs or using_named_graphs:
        text = _with_using_clauses(text, using_graphs, using_named_graphs, base, prefixes)
    return UpdatePlan(text)


# The terminals of SPARQL 1.1 Query §19.8 that may hold braces or the word WHERE without being them.
_TOKENS = re.compile("|".join([
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""' "|" r"'''(?:[^'\\]|\\.|'(?!''))*''')",
    r'(?P<string>"(?:[^"\\\n\r]|\\.)*"' "|" r"'(?:[^'\\\n\r]|\\.)*')",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<comment>#[^\n\r]*)",
    r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
    r"(?P<var>[?$]\w+)",
    r"(?P<open>\{)",
    r"(?P<close>\})",
    r"(?P<word>[\w\-.]*:[\w\-.:%\\]*|[A-Za-z_][\w\-.]*)",
]))


def _with_using_clauses(text: str, graphs: tuple[str, ...], named: tuple[str, ...], base: str | None,
                        prefixes: Mapping[str, str] | None) -> str:
    """Insert the protocol's USING / USING NAMED clauses before the WHERE of every DELETE/INSERT operation
    (Update §3.1.3), then check on the parsed result that each such operation got exactly those."""
    clauses = " ".join([f"USING <{g}>" for g in graphs] + [f"USING NAMED <{g}>" for g in named])
    pieces: list[str] = []
    depth, last, previous = 0, 0, ""
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            word = match.group().upper()
            if depth == 0 and word == "WHERE" and previous != "DELETE":
                pieces.append(text[last:match.start()] + clauses + " ")
                last = match.start()
            previous = word
            continue
        if kind != "comment":
            previous = ""
    rewritten = "".join(pieces) + text[last:]
    try:
        update = translateUpdate(sparql_parser.UpdateUnit.parse_string(rewritten, parse_all=True)[0], base=base,
                                 initNs=dict(prefixes or {}))
    except RecursionError:
        raise QueryRefused("this update is nested too deeply for using-graph-uri / using-named-graph-uri to be "
                           "applied to it; write USING / USING NAMED clauses in the request instead") from None
    expected = sorted([("default", g) for g in graphs] + [("named", g) for g in named])
    for operation in update.algebra:
        if operation.name == "Modify":
            got = sorted(("default", str(c["default"])) if _field(c, "default") is not None
                         else ("named", str(c["named"])) for c in _field(operation, "using") or ())
            if got != expected:
                raise QueryRefused("could not apply using-graph-uri / using-named-graph-uri to this update; "
                                   "write USING / USING NAMED clauses in the request instead")
    return rewritten



# -- the lexical inspection: what Oxigraph evaluates, inspected token by token ------------------------------
#
# Oxigraph parses every query and update it evaluates, without a depth limit; what kzgraph must decide first
# (SERVICE endpoints, LOAD, the graphs of FROM and USING) is visible in the tokens of the text, which a regular
# expression reads in linear time. SPARQL's keywords cannot hide in strings, IRIs or comments, which are
# tokens of their own; the one ambiguity, ``<`` as less-than or as the start of an IRI, is settled below.

_LEXICAL = re.compile("|".join([
    r'(?P<long>"""(?:[^"\\]|\\[\s\S]?|"(?!""))*(?:"""|\Z)' "|" r"'''(?:[^'\\]|\\[\s\S]?|'(?!''))*(?:'''|\Z))",
    r'(?P<string>"(?:[^"\\\n\r]|\\[^\n\r]?)*(?:"|(?=[\n\r])|\Z)' "|" r"'(?:[^'\\\n\r]|\\[^\n\r]?)*(?:'|(?=[\n\r])|\Z))",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<comment>#[^\n\r]*)",
    r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
    r"(?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)",
    r"(?P<pname>(?:[^\W\d][\w\-.]{0,127})?:(?:[\w\-.:%]|\\[_~.\-!$&'()*+,;=/?#@%])*)",
    r"(?P<word>[A-Za-z][A-Za-z_]*)",
    r"(?P<punct>[{}();,.])",
]))
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup or "", m.group(), m.start()) for m in _LEXICAL.finditer(text)
            if m.lastgroup != "comment"]


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BETWEEN = re.compile(r"(?:\s|#[^\n\r]*)*")


@dataclass
class _Reading:
    """What the tokens of a request say: its form, the endpoints of its SERVICE clauses, the graphs of its
    FROM / USING clauses, its LOAD and WITH operations."""

    form: str | None = None
    services: list[str] = field(default_factory=list)
    clauses: dict[str, list[str]] = field(default_factory=dict)  # FROM, FROM NAMED, USING, USING NAMED
    loads: list[str] = field(default_factory=list)
    withs: int = 0


def _read(text: str, base: str | None, prefixes: Mapping[str, str] | None) -> _Reading:
    """Read a request's tokens in one pass, the IRIs after the PREFIX and BASE declarations before them."""
    tokens = _tokens(text)
    given = dict(prefixes or {})
    prefixes = dict(given)
    reading = _Reading()

    def iri(index: int, what: str) -> str:
        token = tokens[index] if index < len(tokens) else None
        if token is not None and token.kind == "iri":
            relative = token.text[1:-1]
            return urljoin(base, relative) if base and not _ABSOLUTE.match(relative) else relative
        if token is not None and token.kind == "pname":
            name, local = token.text.split(":", 1)
            if name not in prefixes:
                known = ", ".join(sorted(prefixes)) or "none"
                raise QuerySyntaxError(f"prefix '{name}:' is not bound; declare it with PREFIX or use one of: "
                                       f"{known}")
            return prefixes[name] + re.sub(r"\\(.)", r"\1", local)
        raise QuerySyntaxError(f"SPARQL syntax error: {what} must be followed by an IRI")

    for i, token in enumerate(tokens):
        if token.kind == "iri" and ")" in token.text and re.search(r"service|load", token.text, re.IGNORECASE):
            raise QueryRefused(f"{token.text[:80]} at character {token.start} is refused: between '<' and '>' it "
                               "holds ')' and a keyword, so it may be a comparison rather than an IRI; write "
                               "spaces around a '<' that compares, or %29 for ')' in an IRI")
        if token.kind != "word":
            continue
        word = token.text.upper()
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if word == "BASE" and following is not None and following.kind == "iri":
            base = iri(i + 1, "BASE")
        elif word == "PREFIX" and following is not None and following.kind == "pname":
            prefixes[following.text[:-1]] = iri(i + 2, "PREFIX")
        elif word in _FORMS and reading.form is None:
            reading.form = word
        elif word in ("FROM", "USING"):
            if following is not None and following.kind == "word" and following.text.upper() == "NAMED":
                reading.clauses.setdefault(f"{word} NAMED", []).append(iri(i + 2, f"{word} NAMED"))
            else:
                reading.clauses.setdefault(word, []).append(iri(i + 1, word))
        elif word == "WITH":
            reading.withs += 1
    _keywords(text, reading, base, dict(given))
    return reading


# Oxigraph reads a keyword wherever its letters stand, even against a name (``SERVICEex:x{``, ``1.0SERVICE``,
# ``SERVICESILENT<…>``, ``PREFIXa: <…>``): so every occurrence of SERVICE, LOAD, PREFIX and BASE outside strings,
# IRIs, comments, variables and language tags is read for what may follow it.
_NOT_CODE = frozenset({"long", "string", "iri", "comment", "lang", "var"})
_SKIP = re.compile(r"(?:\s|#[^\n\r]*)*")
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_VAR = re.compile(r"[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+")
_LONGEST = 4096  # characters of a SERVICE or LOAD target, or of a prefix's name, read at most
_DELIMITERS = re.compile(r"""\\[\s\S]|[\s{}<>"'()\[\],;#]""")  # a backslash escapes the next character
_STRICT_PNAME = re.compile(r"(?:[^\W\d][\w\-.]*)?:(?:[\w\-.:%]|\\[_~.\-!$&'()*+,;=/?#@%])*")


def _skip(text: str, position: int) -> int:
    """Where the white space and comments from ``position`` end."""
    found = _SKIP.match(text, position)
    return found.end() if found is not None else position


def _keywords(text: str, reading: _Reading, base: str | None, given: dict[str, str]) -> None:
    """Find every SERVICE call and LOAD operation Oxigraph could read in the text, and the endpoints or sources
    they name under every reading of the PREFIX and BASE declarations before them (a target that cannot be
    read, or that has two readings, is refused)."""
    spans = [(m.start(), m.end(), m.lastgroup) for m in _LEXICAL.finditer(text) if m.lastgroup in _NOT_CODE]
    starts = [start for start, _, _ in spans]
    # where a prefixed name could end (an unescaped delimiter), and its colons: found once, looked up by bisection
    stops = [m.start() for m in _DELIMITERS.finditer(text) if m.group()[0] != "\\"]
    colons = [m.start() for m in re.finditer(":", text)]

    def run_end(position: int) -> int:
        """Where a prefixed name starting at ``position`` could end at the latest."""
        i = bisect_right(stops, position - 1)
        return stops[i] if i < len(stops) else len(text)

    def in_code(position: int) -> bool:
        i = bisect_right(starts, position) - 1
        return i < 0 or position >= spans[i][1]

    def operation_start(position: int) -> bool:
        """Whether an update operation may start at ``position``: after nothing, ';' or a prologue's IRI, white
        space and comments aside."""
        while position > 0:
            if text[position - 1].isspace():
                position -= 1
                continue
            i = bisect_right(starts, position - 1) - 1
            if i >= 0 and spans[i][2] == "comment" and spans[i][0] <= position - 1 < spans[i][1]:
                position = spans[i][0]
                continue
            return text[position - 1] in ";>"
        return True

    def occurrences(word: str) -> list[int]:
        return [m.end() for m in re.finditer(word, text, re.IGNORECASE) if in_code(m.start())]

    declared: dict[str, list[tuple[int, str]]] = {}
    for end in occurrences("prefix"):
        after = _skip(text, end)
        stop = run_end(after)
        # a name longer than _LONGEST is not read: a SERVICE naming its prefix is then refused as unbound
        if after < stop <= after + _LONGEST and text[stop - 1] == ":" and _STRICT_PNAME.fullmatch(text, after, stop):
            iri = _IRI.match(text, _skip(text, stop))
            if iri is not None:
                declared.setdefault(text[after:stop - 1], []).append((end, iri.group()[1:-1]))
    bases: list[tuple[int, str]] = []
    for end in occurrences("base"):
        iri = _IRI.match(text, _skip(text, end))
        if iri is not None:
            bases.append((end, iri.group()[1:-1]))

    def readings(target: str, position: int, what: str) -> list[str]:
        """The IRIs a target (an IRI or a prefixed name in SPARQL syntax) may stand for at ``position``."""
        if target.startswith("<"):
            relative = target[1:-1]
            if _ABSOLUTE.match(relative):
                return [relative]
            candidates = [b for p, b in bases if p < position] + ([base] if base else [])
            if not candidates:
                raise QueryRefused(f"{what} <{relative}> at character {position} is refused: a relative IRI with no "
                                   "base")
            return sorted({urljoin(b, relative) for b in candidates})
        if not _STRICT_PNAME.fullmatch(target):
            raise QueryRefused(f"the {what} at character {position} is refused: its target {target[:80]!r} could not "
                               "be read as an IRI")
        name, local = target.split(":", 1)
        values = [v for p, v in declared.get(name, []) if p < position] + ([given[name]] if name in given else [])
        if not values:
            known = ", ".join(sorted(set(given) | set(declared))) or "none"
            raise QuerySyntaxError(f"prefix '{name}:' is not bound; declare it with PREFIX or use one of: {known}")
        return sorted({value + re.sub(r"\\(.)", r"\1", local) for value in values})

    def target_at(position: int) -> tuple[int, int] | None:
        """Where the IRI, variable or prefixed name at a position ends (None: there is none)."""
        for pattern in (_IRI, _VAR):
            found = pattern.match(text, position)
            if found is not None:
                return position, found.end()
        end = run_end(position)
        j = bisect_right(colons, position - 1)
        if end > position and j < len(colons) and colons[j] < end:
            return position, end
        return None

    def target_text(start: int, stop: int, what: str) -> str:
        if stop - start > _LONGEST:
            raise QueryRefused(f"the {what} at character {start} is refused: its target is longer than {_LONGEST} "
                               "characters")
        return text[start:stop]

    for end in occurrences("service"):
        after = _skip(text, end)
        silent = re.match(r"silent", text[after:after + 6], re.IGNORECASE)
        for start in ([after, _skip(text, after + 6)] if silent else [after]):
            found = target_at(start)
            if found is None:
                continue
            brace = _skip(text, found[1])
            if text[brace:brace + 1] != "{":
                continue  # no group follows: not a SERVICE call
            target = target_text(*found, "SERVICE")
            if target[0] in "?$":
                reading.services.append(target)
            else:
                reading.services += readings(target, end, "SERVICE")
    for end in occurrences("load"):
        if not operation_start(end - 4):
            continue  # LOAD starts an operation: at the start, after ';' or after a prologue
        after = _skip(text, end)
        silent = re.match(r"silent", text[after:after + 6], re.IGNORECASE)
        for start in ([after, _skip(text, after + 6)] if silent else [after]):
            found = target_at(start)
            if found is not None and text[start] not in "?$":
                reading.loads += readings(target_text(*found, "LOAD"), end, "LOAD")


def _check_read_services(services: list[str], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for endpoint in services:
        if endpoint.startswith(("?", "$")):
            raise QueryRefused(f"SERVICE {endpoint} is refused: a SERVICE endpoint must be an IRI on this "
                               "endpoint's allow-list")
        if endpoint not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            raise QueryRefused(f"SERVICE <{endpoint}> is refused: this endpoint reaches no other endpoint except "
                               f"those on its allow-list (kzgraph serve --allow-service URL); allowed: {listed}")


def inspect_query_text(text: str, *, graphs: Iterable[str], allowed_services: Iterable[str] = (),
                       base: str | None = None, prefixes: Mapping[str, str] | None = None,
                       default_graphs: Iterable[str] | None = None,
                       named_graphs: Iterable[str] | None = None) -> QueryPlan:
    """:func:`inspect_query` for a query that Oxigraph evaluates: the same checks, on the tokens of the text
    (no depth limit, linear time); the syntax is Oxigraph's to check. The plan has no rdflib algebra."""
    text = expand_escapes(text)
    reading = _read(text, base, prefixes)
    _check_read_services(reading.services, allowed_services)
    dataset = _protocol_dataset(default_graphs, named_graphs, graphs)
    if dataset is None:
        from_default, from_named = reading.clauses.get("FROM", []), reading.clauses.get("FROM NAMED", [])
        dataset = QueryDataset(tuple(from_default), tuple(from_named)) if from_default or from_named \
            else QueryDataset()
        check_graphs(from_default, graphs, "FROM")
        check_graphs(from_named, graphs, "FROM NAMED")
    return QueryPlan(text, reading.form or "SELECT", dataset, base, None)
