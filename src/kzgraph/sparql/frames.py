"""Query results as pandas DataFrames: named columns, Python values, one dtype per column where one fits.

:class:`Results` is the result :meth:`kzgraph.KZGraph.query` returns: an rdflib
:class:`~rdflib.query.Result` (rows of rdflib terms, ``row.name`` and ``row["name"]`` as usual) whose rows
also carry their column names, so that ``pandas.DataFrame(kg.query(q))`` keeps them, and which converts
to a DataFrame of Python values in one call (:meth:`Results.to_frame`).

How terms become values (:func:`python_value`):

========================================  ============================================  ========================
RDF term                                  value                                         column dtype
========================================  ============================================  ========================
IRI                                       ``str`` (the full IRI)                        ``str``
blank node                                ``str`` (``_:label``)                         ``str``
``xsd:string``, ``rdf:langString``        ``str`` (the language tag is dropped)         ``str``
``xsd:integer`` (and its subtypes)        ``int``                                       ``Int64``
``xsd:decimal``, ``xsd:double``,          ``float``                                     ``float64``
``xsd:float``
``xsd:boolean``                           ``bool``                                      ``boolean``
``xsd:date``, ``xsd:dateTime``            ``pandas.Timestamp``                          ``datetime64``
``xsd:gYear``                             ``int`` (``years="period"``: ``Period[Y]``)   ``Int64`` / ``period[Y]``
``xsd:gYearMonth``                        ``pandas.Period`` of freq ``M``               ``period[M]``
(``years="start"``: ``xsd:gYear`` and     ``pandas.Timestamp`` of the first day         ``datetime64``
``xsd:gYearMonth``)
any other datatype, or an ill-typed       ``str`` (the lexical form)                    ``str``
literal (``"x"^^xsd:integer``)
unbound                                   missing (``<NA>``, ``NaN``, ``NaT``)
========================================  ============================================  ========================

A column whose values are all of one kind gets that kind's dtype; integers and decimals together are
``float64``; any other mixture (a column of dates of different precision, say ``xsd:gYear`` beside
``xsd:date``) stays an ``object`` column of the values above, unless ``years="start"`` makes every year
and month the Timestamp of its first day.

>>> from rdflib import Literal, URIRef
>>> from rdflib.namespace import XSD
>>> python_value(Literal("2014", datatype=XSD.gYear))
2014
>>> python_value(Literal("1994-12", datatype=XSD.gYearMonth))
Period('1994-12', 'M')
>>> python_value(Literal("1992-05-15", datatype=XSD.date))
Timestamp('1992-05-15 00:00:00')
>>> python_value(URIRef("https://w3id.org/kzgraph/id/state/KAZ"))
'https://w3id.org/kzgraph/id/state/KAZ'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from typing import Literal as TypingLiteral

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["YEARS", "Results", "Row", "column_values", "python_value", "to_frame"]

YEARS = ("int", "period", "start")
Years = TypingLiteral["int", "period", "start"]

INTEGERS = frozenset(XSD[name] for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
FLOATS = frozenset((XSD.decimal, XSD.double, XSD.float))
STRINGS = frozenset((XSD.string, RDF.langString, XSD.normalizedString, XSD.token, XSD.anyURI))
_TZ = r"(?:Z|[+-]\d{2}:\d{2})?"
G_YEAR = re.compile(rf"\s*(-?\d{{4,}}){_TZ}\s*")
G_YEAR_MONTH = re.compile(rf"\s*(-?\d{{4,}})-(\d{{2}}){_TZ}\s*")
DATE = re.compile(rf"\s*(-?\d{{4,}})-(\d{{2}})-(\d{{2}}){_TZ}\s*")
BOOLEAN = {"true": True, "1": True, "false": False, "0": False}


def python_value(term: Identifier | None, years: Years = "int") -> Any:
    """The Python value of an RDF term (see the module docstring); None for an unbound variable."""
    if term is None:
        return None
    if not isinstance(term, Literal):
        return f"_:{term}" if isinstance(term, BNode) else str(term)
    datatype, text = term.datatype, str(term)
    if datatype is None or datatype in STRINGS or term.language:
        return text
    try:
        return _typed(datatype, text, years)
    except (ValueError, ArithmeticError, OverflowError):
        return text  # an ill-typed literal: its lexical form, as it was written


def _typed(datatype: URIRef, text: str, years: Years) -> Any:
    import pandas as pd

    if datatype in INTEGERS:
        return int(text.strip())
    if datatype in FLOATS:
        stripped = text.strip()
        if datatype == XSD.decimal:
            return float(Decimal(stripped))
        return float({"INF": "inf", "-INF": "-inf", "+INF": "inf"}.get(stripped, stripped))
    if datatype == XSD.boolean:
        return BOOLEAN[text.strip()]
    if datatype == XSD.gYear:
        match = G_YEAR.fullmatch(text)
        if not match:
            raise ValueError(text)
        year = int(match.group(1))
        if years == "start":
            return pd.Timestamp(year=year, month=1, day=1)
        return year if years == "int" else pd.Period(year=year, freq="Y")
    if datatype == XSD.gYearMonth:
        match = G_YEAR_MONTH.fullmatch(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(text)
        if years == "start":
            return pd.Timestamp(year=int(match.group(1)), month=int(match.group(2)), day=1)
        return pd.Period(year=int(match.group(1)), month=int(match.group(2)), freq="M")
    if datatype == XSD.date:
        match = DATE.fullmatch(text)
        if not match:
            raise ValueError(text)
        return pd.Timestamp(year=int(match.group(1)), month=int(match.group(2)), day=int(match.group(3)))
    if datatype == XSD.dateTime:
        return pd.Timestamp(text.strip())
    return text  # a datatype without a pandas counterpart: its lexical form


def _kind(value: Any) -> str:
    import pandas as pd

    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, pd.Timestamp):
        return "timestamp" if value.tzinfo is None else f"timestamp {value.tzinfo}"
    if isinstance(value, pd.Period):
        return f"period {value.freqstr}"
    return "str"


def column_values(values: Sequence[Any]) -> pd.Series[Any]:
    """One column of Python values as a Series with the dtype their kind calls for (see the module
    docstring), or an ``object`` Series when they mix kinds."""
    import pandas as pd

    kinds = {_kind(v) for v in values} - {"missing"}
    if not kinds:
        return pd.Series(list(values), dtype=object)
    if kinds <= {"int", "float"}:
        if kinds == {"int"}:
            try:
                return pd.Series(pd.array(list(values), dtype="Int64"))
            except (OverflowError, TypeError, ValueError):  # past the 64-bit range: Python ints
                return pd.Series(list(values), dtype=object)
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    if len(kinds) > 1:
        return pd.Series(list(values), dtype=object)
    kind = kinds.pop()
    if kind == "bool":
        return pd.Series(pd.array(list(values), dtype="boolean"))
    if kind.startswith("period"):
        freq = next(v for v in values if v is not None).freq
        return pd.Series(pd.array([pd.NaT if v is None else v for v in values], dtype=pd.PeriodDtype(freq)))
    if kind.startswith("timestamp"):
        return pd.Series(pd.to_datetime(pd.Series([pd.NaT if v is None else v for v in values], dtype=object)))
    return pd.Series(list(values))


class Row(ResultRow):
    """A result row (an rdflib :class:`~rdflib.query.ResultRow`) whose ``_fields`` are its column names,
    so that pandas, like ``collections.namedtuple`` users, finds them."""

    @property
    def _fields(self) -> tuple[str, ...]:
        return tuple(sorted(self.labels, key=self.labels.__getitem__))


class Results(Result):
    """A query result that converts to pandas (see the module docstring); ``truncated`` says whether the
    row limit cut it."""

    truncated: bool = False

    @classmethod
    def of(cls, result: Result) -> Results:
        """The same result as :class:`Results` (its rows read once)."""
        if isinstance(result, Results):
            return result
        made = cls(result.type)
        made.vars = list(result.vars or [])
        made.askAnswer = result.askAnswer
        made.graph = result.graph
        made._bindings = list(result.bindings) if result.type == "SELECT" else []
        made.truncated = bool(getattr(result, "truncated", False))
        return made

    @property
    def columns(self) -> list[str]:
        """The column names: the variables of a SELECT, ``ask`` for an ASK, subject, predicate and object
        for the triples of a CONSTRUCT or DESCRIBE."""
        if self.type == "SELECT":
            return [str(v) for v in self.vars or []]
        return ["ask"] if self.type == "ASK" else ["subject", "predicate", "object"]

    def __iter__(self) -> Iterator[Any]:
        if self.type != "SELECT":
            yield from super().__iter__()
            return
        variables = list(self.vars or [])
        for binding in self._bindings:
            yield Row(binding, variables)

    def __len__(self) -> int:
        return len(self._bindings) if self.type == "SELECT" else super().__len__()

    def records(self, years: Years = "int") -> list[dict[str, Any]]:
        """The rows as dicts of Python values (unbound variables as None)."""
        names = self.columns
        return [dict(zip(names, (python_value(t, years) for t in row), strict=True)) for row in self._rows()]

    def _rows(self) -> Iterable[Sequence[Identifier | None]]:
        if self.type == "SELECT":
            variables = list(self.vars or [])
            return ([binding.get(v) for v in variables] for binding in self._bindings)
        if self.type == "ASK":
            return [[Literal(bool(self.askAnswer))]]
        assert self.graph is not None
        return ([cast(Identifier, term) for term in triple] for triple in self.graph)

    def to_frame(self, years: Years = "int") -> pd.DataFrame:
        """The result as a DataFrame: one column per variable, in the query's order, of Python values with
        a dtype per column (module docstring); ``years="period"`` makes ``xsd:gYear`` values
        ``Period[Y]``; ``years="start"`` makes years and months (``xsd:gYear``, ``xsd:gYearMonth``) the
        Timestamp of their first day, so that a column of dates of mixed precision becomes one
        ``datetime64`` column (the precision is not kept: 1992 and 1992-01-01 look the same). A result the
        row limit cut warns, and says so in ``frame.attrs["truncated"]``."""
        if years not in YEARS:
            from kzgraph.errors import UsageError

            raise UsageError(f"years={years!r}: choose one of {', '.join(YEARS)}")
        frame = to_frame(self.columns, self._rows(), years)
        frame.attrs["truncated"] = self.truncated
        if self.truncated:
            warnings.warn(f"the result was cut at the row limit after {len(frame)} rows (setting max_rows, "
                          "KZGRAPH_MAX_ROWS)", UserWarning, stacklevel=2)
        return frame


def to_frame(columns: Sequence[str], rows: Iterable[Sequence[Identifier | None]], years: Years = "int") -> pd.DataFrame:
    """A DataFrame of the named ``columns`` from rows of RDF terms (None: unbound)."""
    import pandas as pd

    values: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for index, term in enumerate(row):
            values[index].append(python_value(term, years))
    return pd.DataFrame({name: column_values(column) for name, column in zip(columns, values, strict=True)},
                        columns=list(columns))


def bindings_frame(variables: Sequence[Variable], bindings: Iterable[Mapping[Variable, Identifier]],
                   years: Years = "int") -> pd.DataFrame:
    """A DataFrame from SPARQL bindings (dicts of variable to term), as :meth:`Results.to_frame` makes it."""
    return to_frame([str(v) for v in variables], ([b.get(v) for v in variables] for b in bindings), years)
