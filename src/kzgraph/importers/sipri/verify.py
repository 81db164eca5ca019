"""The provenance check of imported register transfers: each transfer's values stand in the lines it cites.

kzgraph's provenance check (kzgraph.provenance) reads a cited passage as prose: it looks for numbers in
German or English notation and for a name of the node. A register row is not prose (``2.2,132,132`` reads
as one number there) and the register is latin-1, not UTF-8, so that check cannot judge register citations.
:func:`check_citations` judges them instead: it reads the register again and compares, for every transfer
citing it, the cited lines, the row number and every value with the row those lines hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import cast

import pyoxigraph
from rdflib import Graph
from rdflib.query import ResultRow

from kzgraph.importers.sipri.convert import document_iri
from kzgraph.importers.sipri.register import read_register
from kzgraph.importers.sipri.tables import ActorTable

_QUERY = """
PREFIX kz: <https://w3id.org/kzgraph/ontology#>
SELECT ?t ?row ?start ?end ?recipient ?supplier ?order ?ordered ?delivered ?unit ?total ?tiv
       (GROUP_CONCAT(STR(?year); separator=" ") AS ?years)
WHERE {
  ?t kz:citation ?c .
  ?c kz:document <%s> ; kz:lineStart ?start ; kz:lineEnd ?end .
  OPTIONAL { ?t kz:registerRow ?row }
  OPTIONAL { ?t kz:recipient ?recipient }
  OPTIONAL { ?t kz:supplier ?supplier }
  OPTIONAL { ?t kz:orderYear ?order }
  OPTIONAL { ?t kz:numberOrdered ?ordered }
  OPTIONAL { ?t kz:numberDelivered ?delivered }
  OPTIONAL { ?t kz:tivPerUnit ?unit }
  OPTIONAL { ?t kz:tivOrder ?total }
  OPTIONAL { ?t kz:tivDelivered ?tiv }
  OPTIONAL { ?t kz:deliveryYear ?year }
}
GROUP BY ?t ?row ?start ?end ?recipient ?supplier ?order ?ordered ?delivered ?unit ?total ?tiv
"""


_VARIABLES = ("t", "row", "start", "end", "recipient", "supplier", "order", "ordered", "delivered", "unit", "total",
              "tiv", "years")


#: A solution by variable name: an IRI, or a literal's lexical form; None where the variable is unbound.
_Solution = dict[str, str | None]


def _solutions(graph: Graph | pyoxigraph.Store, query: str) -> Iterator[_Solution]:
    if isinstance(graph, pyoxigraph.Store):
        answer = graph.query(query, use_default_graph_as_union=True)
        assert isinstance(answer, pyoxigraph.QuerySolutions)  # a SELECT query
        for solution in answer:
            yield {name: None if solution[name] is None else solution[name].value for name in _VARIABLES}
        return
    for row in graph.query(query):
        terms = cast(ResultRow, row)  # a SELECT query
        yield {name: None if terms[name] is None else str(terms[name]) for name in _VARIABLES}


def _integer(value: str | None) -> int | None:
    return None if value is None else int(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def check_citations(graph: Graph | pyoxigraph.Store, csv_path: str | Path,
                    actors: ActorTable | None = None) -> list[str]:
    """Problems (``<transfer>: message``) of the transfers in ``graph`` (an rdflib graph or dataset, or a
    pyoxigraph store) that cite the register ``csv_path``; empty when every transfer agrees with its lines."""
    register = read_register(csv_path, actors)
    by_line = {row.line_start: row for row in register.rows}
    problems: list[str] = []
    cited = 0
    for result in _solutions(graph, _QUERY % document_iri(register)):
        cited += 1
        node = f"<{result['t']}>"
        start, end = _integer(result["start"]), _integer(result["end"])  # bound: not OPTIONAL in the query
        row = by_line.get(start) if start is not None else None
        if row is None or row.line_end != end:
            problems.append(f"{node}: lines {result['start']}-{result['end']} of {register.path.name} hold no row")
            continue
        actor = register.actors
        expected: dict[str, tuple[object, object]] = {
            "kz:registerRow": (row.row, _integer(result["row"])),
            "kz:recipient": (actor[row.recipient].iri, result["recipient"]),
            "kz:supplier": (actor[row.supplier].iri, result["supplier"]),
            "kz:orderYear": (row.order_year, _integer(result["order"])),
            "kz:numberOrdered": (row.number_ordered, _integer(result["ordered"])),
            "kz:numberDelivered": (row.number_delivered, _integer(result["delivered"])),
            "kz:tivPerUnit": (row.tiv_per_unit, _decimal(result["unit"])),
            "kz:tivOrder": (row.tiv_order, _decimal(result["total"])),
            "kz:tivDelivered": (row.tiv_delivered, _decimal(result["tiv"])),
            "kz:deliveryYear": (row.delivery_years, tuple(sorted(int(y) for y in (result["years"] or "").split()))),
        }
        for prop, (want, have) in expected.items():
            if want != have:
                problems.append(f"{node}: {prop} is {have} where line {row.line_start} of {register.path.name} "
                                f"gives {want}")
    if cited != len(register.rows):
        problems.append(f"{cited} transfers cite {register.path.name}, which has {len(register.rows)} rows")
    return problems
