"""Queries given by users: found from text, a ``.rq`` file or a catalogue name, evaluated, and formatted.

:func:`resolve` turns what a user typed into SPARQL text; :func:`run` evaluates it on a store and turns the
engines' own exceptions into :class:`~kzgraph.errors.QueryError`; :func:`format_result` writes a result for
the terminal (a table) or as SPARQL CSV / JSON, with the writers the endpoint uses
(:mod:`kzgraph.sparql.serialization`), so that the command line and ``/sparql`` give the same documents.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from rdflib.query import Result

from kzgraph.errors import KzgraphError, QueryError, QuerySyntaxError, UnknownQueryName, unknown_name_message
from kzgraph.project import DEFAULT_ROOT

__all__ = ["FORMATS", "QUERIES_DIR", "QueryError", "format_result", "resolve", "run"]

QUERIES_DIR = DEFAULT_ROOT / "queries"
FORMATS = ("table", "csv", "json")
QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
NAME = re.compile(r"[\w-]+")
NO_PARAMS = "parameters are bound in catalogue queries only (`kzgraph query NAME --param k=v`)"


def resolve(text_or_name: str, queries: Path = QUERIES_DIR, params: dict[str, str] | None = None) -> str:
    """The SPARQL text for a query given as text, as a path to a .rq file, or as a catalogue name.

    A catalogue query is returned with its parameters bound (``params``, else the defaults of its header;
    see :mod:`kzgraph.sparql.catalogue`). Parameters are accepted for catalogue queries only. An unknown
    name raises :class:`~kzgraph.errors.UnknownQueryName`, naming the closest names.
    """
    candidate = Path(text_or_name)
    if candidate.suffix == ".rq":
        if params:
            raise QueryError(NO_PARAMS)
        if not candidate.is_file():
            raise QueryError(f"query file {candidate} not found")
        return candidate.read_text(encoding="utf-8")
    if NAME.fullmatch(text_or_name):
        from kzgraph.sparql.catalogue import CatalogueError, ParameterError, parse_query_file

        path = queries / f"{text_or_name}.rq"
        if not path.is_file():
            known = sorted(p.stem for p in queries.glob("*.rq"))
            raise UnknownQueryName(unknown_name_message("query", text_or_name, known,
                                                        f"in {queries}; see `kzgraph query --list`"))
        try:
            return parse_query_file(path).bind(params or {})
        except ParameterError:
            raise  # a usage error: exit 2
        except CatalogueError as error:
            raise QueryError(str(error)) from None
    if params:
        raise QueryError(NO_PARAMS)
    if not QUERY_FORM.search(text_or_name):
        raise QueryError("not a SPARQL query, a .rq file or the name of a catalogue query")
    return text_or_name


def run(kg: Any, sparql: str) -> Result:
    """Evaluate a query on a store, turning the engines' own errors into :class:`~kzgraph.errors.QueryError`.

    kzgraph's own errors (a refusal, a time limit, a store that went away) pass through as they are.
    """
    try:
        result: Result = kg.query(sparql)
        return result
    except KzgraphError:
        raise
    except SyntaxError as error:  # pyoxigraph reports parse errors with their position
        raise QuerySyntaxError(f"SPARQL syntax error: {error}") from None
    except Exception as error:  # rdflib's pyparsing errors and evaluation errors
        if type(error).__name__ in {"ParseException", "ParseSyntaxException"}:
            raise QuerySyntaxError(f"SPARQL syntax error: {error}") from None
        raise QueryError(f"query failed: {error}") from None


def _cell(term: Any) -> str:
    return "" if term is None else str(term)


def format_result(result: Result, fmt: str) -> str:
    """Render a result: SELECT and ASK as a text table, SPARQL CSV or SPARQL JSON; graphs as Turtle.

    CSV and JSON are the documents ``/sparql`` serves (JSON indented for reading).
    """
    from kzgraph.sparql.serialization import serialize_graph, serialize_result

    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return serialize_graph(result.graph, "text/turtle").decode("utf-8")
    if fmt == "json":
        document = json.loads(serialize_result(result, "application/sparql-results+json"))
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return serialize_result(result, "text/csv").decode("utf-8")
    return _table(result)


def _table(result: Result) -> str:
    """A text table, and below it a line with the number of rows (and whether the row limit cut them); a
    result without rows is its header and ``0 row(s)``."""
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    footer = ""
    if result.type == "ASK":
        table.add_column("ask")
        table.add_row("true" if result.askAnswer else "false")
    else:
        for var in result.vars or []:
            table.add_column(str(var), overflow="fold")
        count = 0
        for row in result:
            table.add_row(*(_cell(row[var]) for var in result.vars or []))  # type: ignore[index,call-overload]
            count += 1
        footer = f"{count} row(s)" + (" (cut at the row limit)" if getattr(result, "truncated", False) else "")
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, color_system=None)
    console.print(table)
    if footer:
        console.print(footer, highlight=False)
    return buffer.getvalue()
