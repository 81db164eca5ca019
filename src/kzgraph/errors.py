"""The errors kzgraph raises, in one hierarchy: each kind knows its exit code and its HTTP status.

Every error kzgraph raises on purpose is a :class:`KzgraphError`. The command line prints its message and
exits with :attr:`KzgraphError.exit_code`; the endpoint answers with :attr:`KzgraphError.http_status`
and the message as plain text. A message says what went wrong and where (file and line, option, field,
query position), so that the person who reads it can act on it.

Exit codes: 0 success; 1 the data, a query or a validation failed; 2 wrong usage (a bad option value, an
unknown name); 3 a prerequisite is missing (no build yet, no sources folder, a store that cannot be opened).

>>> issubclass(QuerySyntaxError, QueryError) and QuerySyntaxError.http_status == 400
True
>>> UnknownQueryName("no query named 'x'").exit_code
2
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, ClassVar

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MISSING = 0, 1, 2, 3


class KzgraphError(Exception):
    """Something kzgraph was asked to do could not be done; the message says what and where."""

    exit_code: ClassVar[int] = EXIT_FAILED
    http_status: ClassVar[int] = 500
    headers: dict[str, str]

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.headers = dict(headers or {})


# -- usage ---------------------------------------------------------------------------------------------
class UsageError(KzgraphError):
    """A value given by the user is not one kzgraph accepts (an option, a parameter, a name)."""

    exit_code = EXIT_USAGE
    http_status = 400


class UnknownName(UsageError):
    """A name (a named query, a state, a projection, a format) that kzgraph does not know."""

    http_status = 404


class NotAcceptable(UsageError):
    """None of the media types the client accepts can be served (HTTP 406; the answer varies by Accept)."""

    http_status = 406

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message, headers={"Vary": "Accept", **(headers or {})})


# -- prerequisites -------------------------------------------------------------------------------------
class MissingPrerequisite(KzgraphError):
    """Something the operation needs is not there: a build, the sources folder, a store."""

    exit_code = EXIT_MISSING
    http_status = 503


class NoBuildError(MissingPrerequisite):
    """There is no successful build to use yet."""


class StoreError(MissingPrerequisite):
    """A store could not be opened, loaded or reached."""


# -- data ----------------------------------------------------------------------------------------------
class DataError(KzgraphError):
    """The project's data, or data given to import, is not what it must be."""

    http_status = 422


class ParseError(DataError):
    """An RDF file could not be parsed; the message names the file, the line and the parser's complaint."""

    http_status = 400

    def __init__(self, path: Any, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, so that a worker process can send it back
        return (type(self), (self.path, self.line, self.message), self.__dict__)


class BuildError(DataError):
    """The build stopped; the message says which step failed and why. The previous build is untouched."""

    def __init__(self, message: str, report: Any = None, problems: list[Any] | None = None):
        super().__init__(message)
        self.report = report
        self.problems = problems or []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.report, self.problems), self.__dict__)


class ImportFormatError(DataError):
    """A file to import is not in the format its importer reads; the message names the line and field."""

    http_status = 400


class UnsupportedShapeError(DataError):
    """A shape uses a SHACL feature the chosen engine does not implement (it refuses, never guesses)."""


# -- queries -------------------------------------------------------------------------------------------
class QueryError(KzgraphError):
    """A query could not be run as given: found, parsed, allowed or evaluated."""

    http_status = 400


class QuerySyntaxError(QueryError):
    """The query is not SPARQL 1.1; the message gives the line and column and what was expected."""


class QueryRefused(QueryError):
    """The query is SPARQL but asks for something the endpoint does not allow (SERVICE off the allow-list,
    a FROM that names a file, …)."""


class QueryTooLong(QueryError):
    """The query text is longer than the endpoint accepts (HTTP 413)."""

    http_status = 413


class UnknownQueryName(UnknownName, QueryError):
    """No named query has that name."""

    exit_code = EXIT_USAGE
    http_status = 404


class Unavailable(KzgraphError):
    """The query could not be answered now: it ran out of time, every worker was busy, or a worker died."""

    http_status = 503

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message, headers={"Retry-After": "10", **(headers or {})})


class QueryTimeout(Unavailable):
    """The query ran longer than the time limit and was stopped."""


class Overloaded(Unavailable):
    """Every worker stayed busy for as long as a request may wait."""


class WorkerCrashed(Unavailable):
    """The worker evaluating the query stopped (for instance, out of memory)."""


class WriteTimeout(Unavailable):
    """A write ran longer than the write time limit and was stopped; the store is unchanged."""


# -- writes --------------------------------------------------------------------------------------------
class WriteError(KzgraphError):
    """A write could not be applied; the store is unchanged."""

    http_status = 400


class PayloadError(WriteError):
    """An RDF payload could not be read (its syntax, its charset)."""


class UnsupportedMediaType(PayloadError):
    """An RDF payload in a media type kzgraph does not read (HTTP 415)."""

    http_status = 415


class GraphNotFound(WriteError):
    """The named graph does not exist (HTTP 404)."""

    http_status = 404


class WriteRejected(WriteError):
    """SHACL validation found a Violation in the store as the write would leave it (HTTP 422)."""

    http_status = 422

    def __init__(self, message: str, results: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.results = results or []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.results), self.__dict__)


class NotServable(UsageError):
    """The store cannot be served as asked (for instance: writes to a remote store)."""


class ProtocolError(KzgraphError):
    """A request the endpoint refuses, with the HTTP status and a message that says what and where."""

    exit_code = EXIT_USAGE

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message, headers=headers)
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, so that a worker process can send it back
        return (type(self), (self.status, str(self), self.headers), self.__dict__)

    @property
    def http_status(self) -> int:  # type: ignore[override]
        return self.status


def unknown_name_message(kind: str, name: str, known: Iterable[str], hint: str) -> str:
    """``no query named 'x'; did you mean 'y'?`` with the closest known names, and a hint.

    >>> unknown_name_message("query", "lease", ["leases", "memberships"], "see --list")
    "no query named 'lease'; did you mean 'leases'? (see --list)"
    """
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    suggestion = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"no {kind} named {name!r}{suggestion} ({hint})"


__all__ = ["unknown_name_message"] + [name for name, value in dict(globals()).items()
           if isinstance(value, type) and issubclass(value, KzgraphError)] + [
    "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_MISSING"]
