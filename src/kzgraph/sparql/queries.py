"""Running SPARQL queries from text, a ``.rq`` file or the name of a catalogue query, and formatting results."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from rdflib.query import Result

from kzgraph.build.loading import PROJECT_ROOT

QUERIES_DIR = PROJECT_ROOT / "queries"
FORMATS = ("table", "csv", "json")
QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


class QueryError(Exception):
    """A query could not be found or parsed; the message says which and where."""


def resolve(text_or_name: str, queries: Path = QUERIES_DIR, params: dict[str, str] | None = None) -> str:
    """The SPARQL text for a query given as text, as a path to a .rq file, or as a catalogue name.

    A catalogue query is returned with its parameters bound (``params``, else the defaults of its header;
    see :mod:`kzgraph.sparql.catalogue`). Parameters are accepted for catalogue queries only.
    """
    candidate = Path(text_or_name)
    if candidate.suffix == ".rq":
        if params:
            raise QueryError("parameters are bound in catalogue queries only (`kzgraph query NAME --param k=v`)")
        if not candidate.is_file():
            raise QueryError(f"query file {candidate} not found")
        return candidate.read_text(encoding="utf-8")
    named = queries / f"{text_or_name}.rq"
    if re.fullmatch(r"[\w-]+", text_or_name):
        if named.is_file():
            from kzgraph.sparql.catalogue import CatalogueError, parse_query_file

            try:
                return parse_query_file(named).bind(params or {})
            except CatalogueError as error:
                raise QueryError(str(error)) from None
        raise QueryError(f"no query named {text_or_name!r} in {queries} (see `kzgraph query --list`)")
    if params:
        raise QueryError("parameters are bound in catalogue queries only (`kzgraph query NAME --param k=v`)")
    if not QUERY_FORM.search(text_or_name):
        raise QueryError("not a SPARQL query, a .rq file or the name of a catalogue query")
    return text_or_name


def run(kg, sparql: str) -> Result:
    """Evaluate a query on a store, turning the engine's syntax errors into QueryError."""
    from kzgraph.store.local import StoreError

    try:
        return kg.query(sparql)
    except (QueryError, StoreError):  # a remote store's answer, already explained and naming its URL
        raise
    except SyntaxError as error:  # pyoxigraph reports parse errors with their position
        raise QueryError(f"SPARQL syntax error: {error}") from None
    except Exception as error:  # rdflib's pyparsing errors and evaluation errors
        name = type(error).__name__
        if name in {"ParseException", "ParseSyntaxException"}:
            raise QueryError(f"SPARQL syntax error: {error}") from None
        raise QueryError(f"query failed: {error}") from None


def _cell(term) -> str:
    return "" if term is None else str(term)


def format_result(result: Result, fmt: str) -> str:
    """Render a result: SELECT and ASK as a text table, SPARQL CSV or SPARQL JSON; graphs as Turtle."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return result.graph.serialize(format="turtle")
    if fmt == "json":
        return json.dumps(json.loads(result.serialize(format="json")), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return result.serialize(format="csv").decode("utf-8")
    return _table(result)


def _table(result: Result) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    if result.type == "ASK":
        table.add_column("ask")
        table.add_row("true" if result.askAnswer else "false")
    else:
        for var in result.vars:
            table.add_column(str(var), overflow="fold")
        count = 0
        for row in result:
            table.add_row(*(_cell(row[var]) for var in result.vars))
            count += 1
        table.caption = f"{count} row(s)"
    buffer = io.StringIO()
    Console(file=buffer, width=160, color_system=None).print(table)
    return buffer.getvalue()
