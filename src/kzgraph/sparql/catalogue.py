"""The named-query catalogue: one SPARQL 1.1 query per file in ``queries/``, each with a header.

A catalogue file starts with comment lines (see ``docs/queries.md``)::

    # title: Memberships of a state over time
    # description: Every membership, partnership, observer status and chairmanship of a state.
    # param: state iri default <https://w3id.org/kzgraph/id/state/KAZ> — the state

followed by the query. A parameter NAME is the query variable ``?NAME``. The top-level WHERE group of
every catalogue query opens with the line ``WHERE {`` (unindented, nothing else on it; nested groups
and subqueries are indented); the catalogue
enforces this layout when it loads a file, and binds parameters by inserting a SPARQL 1.1 ``VALUES``
block (SPARQL 1.1 Query, section 10.2, inline data) as the first element of that group. Values are
validated against the parameter's type and written as rdflib terms in N-Triples/N3 syntax, never spliced
into the query text as they were given. An iri value is a full IRI, with or without angle brackets, or a
prefixed name with one of the project's prefixes (``state:KAZ``, ``io:CSTO``, ``kzc:indicator-…``), or a
bare name (no colon) in the namespace of the parameter's default IRI (``SCO`` where the default is
``io:CSTO``); a state, and any bare name of a parameter without default, is an ISO 3166-1 alpha-3 code
(``UZB``: ``state:UZB``).

An unknown parameter, or a value that is not of its type, is a :class:`ParameterError`: a usage error
(exit 2, HTTP 400), naming the closest parameter names.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kzgraph.errors import EXIT_USAGE, QueryError, UsageError, unknown_name_message
from kzgraph.namespaces import PREFIXES, STATE
from kzgraph.store.terms import sparql_term

PARAM_TYPES = ("iri", "string", "integer", "year", "date")
NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HEADER_LINE = re.compile(r"#\s*(title|description|param)\s*:\s*(.*)")
# The explanation follows an em dash, an en dash or hyphens.
PARAM_SPEC = re.compile(
    r"(?P<name>\S+)\s+(?P<type>\S+)(?:\s+default\s+(?P<default>\S+))?\s+[\u2014\u2013-]+\s+(?P<doc>.+)")
WHERE_LINE = re.compile(r"WHERE\s*\{\s*")  # the whole line: unindented, nothing else on it
# An absolute IRI (RFC 3987 scheme ":" ...) without the characters that N-Triples forbids in IRIREF.
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
INTEGER = re.compile(r"[+-]?[0-9]+")
YEAR = re.compile(r"[0-9]{4}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
BARE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
ISO_CODE = re.compile(r"[A-Za-z]{3}")


class CatalogueError(QueryError):
    """A catalogue file is malformed, or a parameter value is unknown or invalid."""


class ParameterError(CatalogueError, UsageError):
    """A parameter given to a named query is unknown, or its value is not of the parameter's type."""

    exit_code = EXIT_USAGE
    http_status = 400


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query: the variable it binds, its type, default and explanation."""

    name: str
    type: str
    default: str | None
    doc: str

    def term(self, value: str) -> URIRef | Literal:
        """The rdflib term for a value given as text, after checking it against the parameter's type; a
        bare name for an iri parameter is taken in the namespace of the default (module docstring)."""
        if self.type == "iri" and isinstance(value, str) and BARE_NAME.fullmatch(value.strip()):
            bare, namespace = value.strip(), _namespace(self.default) or str(STATE)
            if namespace == str(STATE) and ISO_CODE.fullmatch(bare):
                return URIRef(namespace + bare.upper())
            if namespace != str(STATE):
                return URIRef(namespace + bare)
        return to_term(self.name, self.type, value)


@dataclass(frozen=True)
class NamedQuery:
    """A catalogue query: its name (the file name without ``.rq``), header and SPARQL text."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    sparql: str
    where_line: int  # 0-based index of the line that opens the top-level WHERE group
    path: Path | None = field(default=None, compare=False)

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = [p.name for p in self.parameters]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        suggestion = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ParameterError(f"query {self.name!r} has no parameter {name!r}{suggestion} "
                             f"(parameters: {', '.join(known) or 'none'})")

    def bind(self, params: dict[str, str] | None = None) -> str:
        """The query text with each parameter bound by a ``VALUES`` block; defaults fill in the rest.

        A parameter without value and without default stays unbound (the query then ranges over all
        values of the variable).
        """
        params = dict(params or {})
        for name in params:
            self.parameter(name)
        blocks: list[str] = []
        for parameter in self.parameters:
            if parameter.name in params:
                term = parameter.term(params[parameter.name])
            elif parameter.default is not None:
                term = parameter.term(parameter.default)
            else:
                continue
            blocks.append(f"  VALUES ?{parameter.name} {{ {sparql_term(term)} }}")
        if not blocks:
            return self.sparql
        lines = self.sparql.split("\n")
        return "\n".join(lines[: self.where_line + 1] + blocks + lines[self.where_line + 1:])


def _namespace(default: str | None) -> str | None:
    """The namespace of a default IRI value (up to its last ``/`` or ``#``), or None."""
    if default is None:
        return None
    term = to_term("default", "iri", default)
    cut = max(str(term).rfind("/"), str(term).rfind("#"))
    return str(term)[:cut + 1] if cut > 0 else None


def to_term(name: str, type_: str, value: object) -> URIRef | Literal:
    """Convert a parameter value given as text to an rdflib term of the parameter's type."""
    if not isinstance(value, str):
        raise ParameterError(f"parameter {name!r}: value must be text, not {type(value).__name__}")
    if type_ == "iri":
        text = value[1:-1] if value.startswith("<") and value.endswith(">") and len(value) > 2 else value
        prefix, colon, local = text.partition(":")
        if colon and prefix in PREFIXES and not local.startswith("//"):
            text = str(PREFIXES[prefix]) + local  # a project prefixed name such as state:KAZ
        if not ABSOLUTE_IRI.fullmatch(text):
            raise ParameterError(f"parameter {name!r}: {value!r} is not an absolute IRI "
                                 "(no spaces, quotes, braces or angle brackets inside)")
        return URIRef(text)
    if type_ == "string":
        return Literal(value)
    if type_ == "integer":
        if not INTEGER.fullmatch(value):
            raise ParameterError(f"parameter {name!r}: {value!r} is not an integer (digits only)")
        return Literal(int(value), datatype=XSD.integer)
    if type_ == "year":
        if not YEAR.fullmatch(value):
            raise ParameterError(f"parameter {name!r}: {value!r} is not a year (four digits)")
        return Literal(int(value), datatype=XSD.integer)
    if type_ == "date":
        try:
            if not ISO_DATE.fullmatch(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            raise ParameterError(f"parameter {name!r}: {value!r} is not an ISO 8601 date (YYYY-MM-DD)") from None
        return Literal(value, datatype=XSD.date)
    raise ParameterError(f"parameter {name!r}: unknown type {type_!r}; choose one of {', '.join(PARAM_TYPES)}")


def parse_query_file(path: Path) -> NamedQuery:
    """Parse one catalogue file; errors name the file and the line."""
    name = path.stem
    if not NAME.fullmatch(name):
        raise CatalogueError(f"{path}: query names are kebab-case (lower-case words joined by hyphens)")
    lines = path.read_text(encoding="utf-8").split("\n")
    fields: dict[str, str] = {}
    parameters: list[Parameter] = []
    body_start = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("#"):
            body_start = number
            break
        match = HEADER_LINE.fullmatch(stripped)
        if not match:
            continue  # a free comment in the header
        key, value = match.group(1), match.group(2).strip()
        where = f"{path}:{number + 1}"
        if key == "param":
            parameters.append(_parse_param(value, where, parameters))
        elif key in fields:
            raise CatalogueError(f"{where}: second '{key}' line")
        elif not value:
            raise CatalogueError(f"{where}: empty '{key}'")
        else:
            fields[key] = value
    for key in ("title", "description"):
        if key not in fields:
            raise CatalogueError(f"{path}:1: header has no '# {key}: …' line")
    if body_start is None:
        raise CatalogueError(f"{path}:{len(lines)}: header without a query")
    where_lines = [i for i in range(body_start, len(lines)) if WHERE_LINE.fullmatch(lines[i])]
    if len(where_lines) != 1:
        raise CatalogueError(
            f"{path}:{body_start + 1}: the top-level WHERE group must open with 'WHERE {{' alone on one "
            f"unindented line, and only it (found {len(where_lines)} such lines)")
    sparql = "\n".join(lines)
    body = "\n".join(lines[body_start:])
    for parameter in parameters:
        if not re.search(rf"\?{re.escape(parameter.name)}\b", body):
            raise CatalogueError(f"{path}: parameter {parameter.name!r} is not a variable ?{parameter.name} "
                                 "of the query")
    return NamedQuery(name=name, title=fields["title"], description=fields["description"],
                      parameters=tuple(parameters), sparql=sparql, where_line=where_lines[0], path=path)


def _parse_param(value: str, where: str, earlier: list[Parameter]) -> Parameter:
    match = PARAM_SPEC.fullmatch(value)
    if not match:
        raise CatalogueError(f"{where}: malformed parameter; write "
                             "'# param: NAME TYPE [default VALUE] — explanation'")
    name, type_, default, doc = match.group("name", "type", "default", "doc")
    if not VARIABLE.fullmatch(name):
        raise CatalogueError(f"{where}: parameter name {name!r} is not a SPARQL variable name")
    if type_ not in PARAM_TYPES:
        raise CatalogueError(f"{where}: parameter {name!r} has unknown type {type_!r}; "
                             f"choose one of {', '.join(PARAM_TYPES)}")
    if any(p.name == name for p in earlier):
        raise CatalogueError(f"{where}: parameter {name!r} declared twice")
    if default is not None:
        try:
            to_term(name, type_, default)
        except CatalogueError as error:
            raise CatalogueError(f"{where}: default: {error}") from None
    return Parameter(name=name, type=type_, default=default, doc=doc.strip())


def load_catalogue(folder: Path) -> dict[str, NamedQuery]:
    """All named queries of a folder, by name, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CatalogueError(f"{folder}: no such catalogue folder")
    return {path.stem: parse_query_file(path) for path in sorted(folder.glob("*.rq"))}


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``key=value`` pairs (as given on the command line) as a dict; the value may contain '='."""
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"parameter {pair!r}: write NAME=VALUE")
        if key.strip() in params:
            raise ParameterError(f"parameter {key.strip()!r} given twice")
        params[key.strip()] = value
    return params


def catalogue_markdown(catalogue: dict[str, NamedQuery]) -> str:
    """The catalogue as a Markdown list: name, title, description and parameters of every query."""
    out: list[str] = []
    for query in catalogue.values():
        out.append(f"### `{query.name}`\n")
        out.append(f"**{query.title}.** {query.description}\n")
        if query.parameters:
            out.append("| parameter | type | default | meaning |")
            out.append("|---|---|---|---|")
            for p in query.parameters:
                default = f"`{p.default}`" if p.default is not None else "(all)"
                out.append(f"| `{p.name}` | {p.type} | {default} | {p.doc} |")
            out.append("")
    return "\n".join(out)


def catalogue_table(catalogue: dict[str, NamedQuery]) -> str:
    """The catalogue as plain text, one query a line: name, parameters and title."""
    width = max((len(name) for name in catalogue), default=0)
    lines: list[str] = []
    for query in catalogue.values():
        params = " ".join(f"{p.name}={p.default if p.default is not None else '*'}" for p in query.parameters)
        lines.append(f"{query.name.ljust(width)}  {query.title}" + (f"  [{params}]" if params else ""))
    return "\n".join(lines) + ("\n" if lines else "")


LIST_FORMATS = ("table", "markdown", "json")


def catalogue_records(catalogue: dict[str, NamedQuery]) -> list[dict[str, Any]]:
    """The catalogue as records: a list of queries with name, title, description and parameters."""
    return [{"name": q.name, "title": q.title, "description": q.description,
             "parameters": [{"name": p.name, "type": p.type, "default": p.default, "description": p.doc}
                            for p in q.parameters]}
            for q in catalogue.values()]


def catalogue_json(catalogue: dict[str, NamedQuery]) -> str:
    """The catalogue as JSON: :func:`catalogue_records`, indented."""
    return json.dumps(catalogue_records(catalogue), indent=2, ensure_ascii=False) + "\n"


def render_catalogue(catalogue: dict[str, NamedQuery], fmt: str) -> str:
    """The catalogue listed as plain text (``table``), Markdown (as in docs/queries.md) or JSON."""
    if fmt == "table":
        return catalogue_table(catalogue)
    if fmt == "markdown":
        return catalogue_markdown(catalogue)
    if fmt == "json":
        return catalogue_json(catalogue)
    raise ParameterError(unknown_name_message("list format", fmt, LIST_FORMATS,
                                              f"choose one of {', '.join(LIST_FORMATS)}"))
