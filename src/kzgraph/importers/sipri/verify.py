"""The provenance check of imported register transfers: each transfer's values stand in the lines it cites.

kzgraph's provenance check (kzgraph.provenance) reads a cited passage as prose: it looks for numbers in
German or English notation and for a name of the node. A register row is not prose (``2.2,132,132`` reads
as one number there) and the register is latin-1, not UTF-8, so that check cannot judge register citations.
:func:`check_citations` judges them instead: it reads the register again and compares, for every transfer
citing it, the cited lines, the row number and every value with the row those lines hold.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

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


class _Solution:
    """A solution of pyoxigraph's, read by variable name as rdflib's result rows are."""

    def __init__(self, solution):
        for name in _VARIABLES:
            term = solution[name]
            setattr(self, name, None if term is None else term.value)


def _solutions(graph, query: str):
    if hasattr(graph, "bulk_load"):  # a pyoxigraph Store
        return (_Solution(s) for s in graph.query(query, use_default_graph_as_union=True))
    return graph.query(query)


def _number(value, kind=int):
    return None if value is None else kind(str(value))


def check_citations(graph, csv_path: str | Path, actors: ActorTable | None = None) -> list[str]:
    """Problems (``<transfer>: message``) of the transfers in ``graph`` (an rdflib graph or dataset, or a
    pyoxigraph store) that cite the register ``csv_path``; empty when every transfer agrees with its lines."""
    register = read_register(csv_path, actors)
    by_line = {row.line_start: row for row in register.rows}
    problems: list[str] = []
    cited = 0
    for result in _solutions(graph, _QUERY % document_iri(register)):
        cited += 1
        node = f"<{result.t}>"
        row = by_line.get(int(result.start))
        if row is None or row.line_end != int(result.end):
            problems.append(f"{node}: lines {result.start}-{result.end} of {register.path.name} hold no row")
            continue
        actor = register.actors
        expected = {
            "kz:registerRow": (row.row, _number(result.row)),
            "kz:recipient": (actor[row.recipient].iri, None if result.recipient is None else str(result.recipient)),
            "kz:supplier": (actor[row.supplier].iri, None if result.supplier is None else str(result.supplier)),
            "kz:orderYear": (row.order_year, _number(result.order)),
            "kz:numberOrdered": (row.number_ordered, _number(result.ordered)),
            "kz:numberDelivered": (row.number_delivered, _number(result.delivered)),
            "kz:tivPerUnit": (row.tiv_per_unit, _number(result.unit, Decimal)),
            "kz:tivOrder": (row.tiv_order, _number(result.total, Decimal)),
            "kz:tivDelivered": (row.tiv_delivered, _number(result.tiv, Decimal)),
            "kz:deliveryYear": (row.delivery_years, tuple(sorted(int(y) for y in str(result.years or "").split()))),
        }
        for prop, (want, have) in expected.items():
            if want != have:
                problems.append(f"{node}: {prop} is {have} where line {row.line_start} of {register.path.name} "
                                f"gives {want}")
    if cited != len(register.rows):
        problems.append(f"{cited} transfers cite {register.path.name}, which has {len(register.rows)} rows")
    return problems
