"""Linking curated arms transfers to the register rows that tell of the same deal (``kz:sameDealAs``).

A curated transfer finds its register row(s) in these steps (docs/sipri.md, "Links to curated transfers"):

1. It must be an order or delivery: offers and plans (``kzc:status-offered``, ``kzc:status-planned``) are
   not deals the register lists.
2. Its supplier and recipient as states: a state stands for itself, a company for the state the data gives
   as its ``kz:country`` (a company without one, or in the recipient's own state, cannot be matched).
3. It must name a weapon system with a ``kz:designation``.
4. Register rows with the same recipient and supplier whose designation fits one of the curated ones, at
   one of three levels: *same* (equal once case, spaces and hyphens are folded, or equal to one of the
   alternatives SIPRI joins with ``/``), *variant* (the row's comment names the curated designation as
   the version delivered: "Su-30SM version") or *model* (one designation is the other plus a suffix of one
   or two letters, BTR-80 and BTR-80A, or a whole word of it, A400M and A400M Atlas).
5. Years: with a curated order year, rows ordered that year (else, with a note, a year before or after);
   without one but with delivery years, rows ordered or delivered within the curated delivery period (a
   period with a first year only is open-ended); without any year, every row.
6. Quantity: a row whose number agrees with the curated quantity in the part the curated status names
   (delivered: the number delivered; ordered: the number still to be delivered) ranks first, then a row
   whose other number agrees, then the rest; among equals, the closer designation and year.
   One best row is the match. A curated transfer without an order year whose quantity is the sum over
   several rows (32 Su-30SM delivered from four orders) is linked to all of them ("aggregate").
   A single row whose quantity disagrees is linked only when a year confirms it; several rows that fit
   equally are reported as ambiguous and not linked.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from kzgraph.importers.sipri.register import Register, RegisterRow
from kzgraph.importers.sipri.tables import normalise_designation
from kzgraph.namespaces import CONCEPT, KZ

_VERSION = re.compile(r"([A-Za-z0-9][\w\-./]*)\s+(?:armed\s+)?version")
_LEVELS = ("same", "variant", "model")
_NOT_DEALS = {str(CONCEPT["status-offered"]): "an offer", str(CONCEPT["status-planned"]): "a plan"}


@dataclass(frozen=True)
class CuratedTransfer:
    iri: str
    suppliers: tuple[str, ...]
    recipients: tuple[str, ...]
    designations: tuple[str, ...]
    order_year: int | None
    delivery_start: int | None
    delivery_end: int | None
    quantity: int | None
    status: str | None


def _year(graph: Graph, node: Node, prop: URIRef) -> int | None:
    value = graph.value(node, prop)
    return int(str(value)[:4]) if value is not None and str(value)[:4].isdigit() else None


class Curated:
    """What the importer takes from the curated data: the declared resources, the weapon systems by
    designation, the companies' states and the curated transfers."""

    def __init__(self, declared: set[str], weapons: dict[str, list[tuple[str, str | None]]],
                 countries: dict[str, str | None], states: set[str], transfers: list[CuratedTransfer]):
        self.declared, self.weapons, self.countries, self.states = declared, weapons, countries, states
        self.transfers = transfers

    @classmethod
    def from_graph(cls, graph: Graph) -> Curated:
        declared = {str(s) for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
        weapons: dict[str, list[tuple[str, str | None]]] = {}
        for weapon in sorted(set(graph.subjects(RDF.type, KZ.WeaponSystem)), key=str):
            category = graph.value(weapon, KZ.weaponCategory)
            for designation in graph.objects(weapon, KZ.designation):
                entries = weapons.setdefault(normalise_designation(str(designation)), [])
                if str(weapon) not in [e[0] for e in entries]:
                    entries.append((str(weapon), str(category) if category is not None else None))
        states = {str(s) for s in graph.subjects(RDF.type, KZ.State)}
        companies = set(graph.subjects(RDF.type, KZ.Company)) | set(graph.subjects(RDF.type, KZ.JointVenture))
        countries = {str(c): (str(graph.value(c, KZ.country)) if graph.value(c, KZ.country) is not None else None)
                     for c in companies}
        transfers = []
        for t in sorted(set(graph.subjects(RDF.type, KZ.ArmsTransfer)), key=str):
            if graph.value(t, KZ.registerRow) is not None:
                continue  # an imported register row, not a curated transfer
            designations = sorted({str(d) for w in graph.objects(t, KZ.weaponSystem)
                                   for d in graph.objects(w, KZ.designation)})

            quantity = graph.value(t, KZ.quantity)
            status = graph.value(t, KZ.transferStatus)
            transfers.append(CuratedTransfer(
                str(t), tuple(sorted(str(s) for s in graph.objects(t, KZ.supplier))),
                tuple(sorted(str(r) for r in graph.objects(t, KZ.recipient))), tuple(designations),
                _year(graph, t, KZ.orderYear), _year(graph, t, KZ.deliveryStartYear),
                _year(graph, t, KZ.deliveryEndYear),
                int(str(quantity)) if quantity is not None else None, str(status) if status is not None else None))
        return cls(declared, weapons, countries, states, transfers)

    def weapon(self, designation_key: str, category: str | None) -> str | None:
        """The curated weapon system with this normalised designation whose category does not contradict
        ``category``; None when there is none, or more than one."""
        fitting = [w for w, c in self.weapons.get(designation_key, ())
                   if c is None or category is None or c == category]
        return fitting[0] if len(fitting) == 1 else None

    def digest(self) -> str:
        """A digest of everything the import takes from the curated data (to tell whether it changed)."""
        text = repr((sorted(self.declared), sorted((k, sorted(v)) for k, v in self.weapons.items()),
                     sorted(self.countries.items(), key=lambda item: item[0]), sorted(self.states),
                     self.transfers))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Match:
    """A curated transfer linked to one register row (``single``) or to several (``aggregate``)."""

    curated: str
    register: tuple[str, ...]
    rows: tuple[int, ...]
    kind: str
    level: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Miss:
    """A curated transfer without register row, and why (``reason`` is one of :data:`REASONS`)."""

    curated: str
    reason: str
    detail: str
    candidates: tuple[str, ...] = ()


REASONS = {
    "offer-or-plan": "an offer or a planned item, not an order or delivery",
    "no-weapon-system": "names no weapon system with a designation",
    "company-without-state": "a party is a company for which the data gives no state",
    "domestic": "the supplier is a company in the recipient state (domestic production)",
    "no-row-for-parties": "no register row for that recipient and supplier",
    "no-row-for-designation": "register rows for that recipient and supplier, none for the designation",
    "no-row-for-year": "register rows for the parties and designation, none in the curated years",
    "quantity-differs": "one register row fits, but its quantities differ and no year confirms it",
    "ambiguous": "several register rows fit equally",
}


@dataclass
class MatchReport:
    """How many curated transfers found their register rows; the others with the reason."""

    matched: list[Match] = field(default_factory=list)
    unmatched: list[Miss] = field(default_factory=list)

    @property
    def curated(self) -> int:
        return len(self.matched) + len(self.unmatched)

    def to_dict(self) -> dict[str, Any]:
        return {"curated": self.curated, "matched": len(self.matched), "unmatched": len(self.unmatched),
                "links": [asdict(m) for m in self.matched], "misses": [asdict(m) for m in self.unmatched]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchReport:
        def tuples(d: Mapping[str, Any]) -> dict[str, Any]:
            return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

        return cls([Match(**tuples(m)) for m in data.get("links", [])],
                   [Miss(**tuples(m)) for m in data.get("misses", [])])

    def summary(self) -> str:
        lines = [f"{len(self.matched)} of {self.curated} curated arms transfers found their register rows"]
        for miss in self.unmatched:
            lines.append(f"  {miss.curated.rsplit('/', 1)[-1]}: {miss.detail}")
        return "\n".join(lines)


def _alternatives(designation: str) -> set[str]:
    """A designation and the alternatives SIPRI or a curator joins with '/' (Mi-24P/Mi-35P), normalised;
    a bare number after a slash (Mi-8MT/17) is not an alternative of its own."""
    keys = {normalise_designation(designation)}
    keys |= {normalise_designation(part) for part in designation.split("/")
             if part.strip() and not part.strip().isdigit()}
    return keys


def _words(designation: str) -> list[str]:
    return [normalise_designation(w) for w in designation.split()]


def _suffix_fits(longer: str, shorter: str) -> bool:
    rest = longer[len(shorter):]
    return longer.startswith(shorter) and 1 <= len(rest) <= 2 and rest.isalpha() and shorter[-1:].isalnum()


def designation_level(curated: Iterable[str], row: RegisterRow) -> int | None:
    """0 (same), 1 (variant) or 2 (model) for the best fit of a curated designation to a row, else None."""
    curated = list(curated)
    row_keys = _alternatives(row.designation)
    best = None
    for designation in curated:
        keys = _alternatives(designation)
        if keys & row_keys:
            return 0
        versions = {normalise_designation(v) for v in _VERSION.findall(row.comment)}
        if keys & versions:
            best = 1
            continue
        if best is None:
            row_words, words = _words(row.designation), _words(designation)
            candidates = row_keys | ({row_words[0], row_words[-1]} if row_words else set())
            if any(_suffix_fits(r, c) or _suffix_fits(c, r) for r in candidates for c in keys) or (
                    len(row_words) > len(words) and (row_words[:len(words)] == words
                                                    or row_words[-len(words):] == words)):
                best = 2
    return best


def _counts(row: RegisterRow) -> dict[str, int | None]:
    outstanding = None
    if row.number_ordered is not None and row.number_delivered is not None \
            and row.number_ordered > row.number_delivered:
        outstanding = row.number_ordered - row.number_delivered
    return {"ordered": row.number_ordered, "delivered": row.number_delivered, "outstanding": outstanding}


def _primary(status: str | None) -> str:
    if status in (str(CONCEPT["status-delivered"]), str(CONCEPT["status-licensed-production"])):
        return "delivered"
    if status == str(CONCEPT["status-ordered"]):
        return "outstanding"
    return "ordered"


def _quantity_score(transfer: CuratedTransfer, row: RegisterRow) -> int:
    if transfer.quantity is None:
        return 1
    counts = _counts(row)
    if counts[_primary(transfer.status)] == transfer.quantity:
        return 0
    return 1 if transfer.quantity in counts.values() else 2


def _state(curated: Curated, agent: str) -> tuple[str | None, str | None]:
    """(state, note) for a party: a company stands for its kz:country."""
    if agent in curated.countries:
        country = curated.countries[agent]
        if country is None:
            return None, None
        return country, f"{agent.rsplit('/', 1)[-1]} stands for its state {country.rsplit('/', 1)[-1]}"
    return agent, None


def _within(row: RegisterRow, first: int, last: int | None) -> bool:
    last = last if last is not None else 10**4
    return first <= row.order_year <= last or any(first <= y <= last for y in row.delivery_years)


def _year_confirms(transfer: CuratedTransfer, row: RegisterRow) -> bool:
    """Whether a year of the curated transfer singles the row out: the same order year, the same first
    delivery year, or deliveries all within a curated delivery period with both ends."""
    if transfer.order_year is not None:
        return abs(row.order_year - transfer.order_year) <= 1
    first = row.delivery_years[0] if row.delivery_years else None
    if transfer.delivery_start is not None and first == transfer.delivery_start:
        return True
    return (transfer.delivery_start is not None and transfer.delivery_end is not None and first is not None
            and transfer.delivery_start <= first and row.delivery_years[-1] <= transfer.delivery_end)


def _miss(transfer: CuratedTransfer, reason: str, detail: str | None = None, candidates: Iterable[str] = ()) -> Miss:
    return Miss(transfer.iri, reason, detail or REASONS[reason], tuple(candidates))


def match_transfer(curated: Curated, transfer: CuratedTransfer,
                   by_parties: Mapping[tuple[str, str], list[RegisterRow]], names: tuple[str, ...]) -> Match | Miss:
    if transfer.status in _NOT_DEALS:
        return _miss(transfer, "offer-or-plan", f"{_NOT_DEALS[transfer.status]}, not an order or delivery")
    if not transfer.designations:
        return _miss(transfer, "no-weapon-system")
    notes: list[str] = []
    pairs = []
    for supplier in transfer.suppliers:
        state, note = _state(curated, supplier)
        if state is None:
            return _miss(transfer, "company-without-state",
                         f"the supplier {supplier.rsplit('/', 1)[-1]} is a company for which the data gives no state")
        if note:
            notes.append(note)
        for recipient in transfer.recipients:
            recipient_state, recipient_note = _state(curated, recipient)
            if recipient_state is None:
                return _miss(transfer, "company-without-state",
                             f"the recipient {recipient.rsplit('/', 1)[-1]} is a company for which the data gives "
                             "no state")
            if recipient_note:
                notes.append(recipient_note)
            if state == recipient_state:
                return _miss(transfer, "domestic",
                             f"the supplier {supplier.rsplit('/', 1)[-1]} is a company in the recipient state "
                             f"{state.rsplit('/', 1)[-1]} (domestic production)")
            pairs.append((recipient_state, state))
    rows: list[RegisterRow] = [row for pair in pairs for row in by_parties.get(pair, ())]
    if not rows:
        parties = ", ".join(f"{s.rsplit('/', 1)[-1]} to {r.rsplit('/', 1)[-1]}" for r, s in pairs)
        return _miss(transfer, "no-row-for-parties", f"no register row for {parties}")
    fitting = [(row, level) for row in rows if (level := designation_level(transfer.designations, row)) is not None]
    if not fitting:
        return _miss(transfer, "no-row-for-designation",
                     f"no register row for {' or '.join(transfer.designations)} among the {len(rows)} rows "
                     "of these parties")
    first_year = transfer.delivery_start if transfer.delivery_start is not None else transfer.delivery_end
    if transfer.order_year is not None:
        in_years = [(r, lv) for r, lv in fitting if r.order_year == transfer.order_year]
        if not in_years:
            in_years = [(r, lv) for r, lv in fitting if abs(r.order_year - transfer.order_year) == 1]
            if in_years:
                notes.append(f"the register's order year differs by one from {transfer.order_year}")
    elif first_year is not None:  # a delivery start or end year
        in_years = [(r, lv) for r, lv in fitting if _within(r, first_year, transfer.delivery_end)]
    else:
        in_years = fitting
    if not in_years:
        return _miss(transfer, "no-row-for-year",
                     f"register rows for {' or '.join(transfer.designations)}, none in the curated years",
                     [names[r.row - 1] for r, _ in fitting])

    def rank(item: tuple[RegisterRow, int]) -> tuple[int, int, int]:
        row, level = item
        distance = abs(row.order_year - transfer.order_year) if transfer.order_year is not None else 0
        return (_quantity_score(transfer, row), level, distance)

    in_years.sort(key=lambda item: (rank(item), item[0].row))
    best = rank(in_years[0])
    top = [item for item in in_years if rank(item) == best]
    candidates = [names[r.row - 1] for r, _ in in_years]

    def single(row: RegisterRow, level: int, extra: tuple[str, ...] = ()) -> Match:
        return Match(transfer.iri, (names[row.row - 1],), (row.row,), "single", _LEVELS[level],
                     tuple(notes) + tuple(extra))

    if best[0] == 0 and len(top) == 1:
        return single(*top[0])
    if transfer.order_year is None and transfer.quantity is not None and len(in_years) > 1:
        for part in ("delivered", "ordered", "outstanding"):
            values = [_counts(r)[part] for r, _ in in_years]
            known = [v for v in values if v is not None]
            if len(known) == len(values) and sum(known) == transfer.quantity:
                level = max(lv for _, lv in in_years)
                parts = sorted(in_years, key=lambda item: (item[0].order_year, item[0].row))
                note = f"the {part} numbers of {len(parts)} register rows add up to {transfer.quantity}"
                return Match(transfer.iri, tuple(names[r.row - 1] for r, _ in parts), tuple(r.row for r, _ in parts),
                             "aggregate", _LEVELS[level], (*notes, note))
    if len(top) == 1:
        row, level = top[0]
        if best[0] == 2:
            counts = ", ".join(f"{k} {v}" for k, v in _counts(row).items() if v is not None) or "no numbers"
            if not _year_confirms(transfer, row):
                return _miss(transfer, "quantity-differs",
                             f"one register row fits, but it has {counts} where the curated quantity is "
                             f"{transfer.quantity}, and no year confirms it", candidates)
            return single(row, level, (f"quantity differs: curated {transfer.quantity}, register {counts}",))
        return single(row, level)
    return _miss(transfer, "ambiguous", f"{len(top)} register rows fit equally", [names[r.row - 1] for r, _ in top])


def match_curated(curated: Curated, register: Register, names: tuple[str, ...]) -> MatchReport:
    """Match every curated transfer against the register rows (``names``: the rows' transfer IRIs)."""
    by_parties: dict[tuple[str, str], list[RegisterRow]] = {}
    actors = register.actors
    for row in register.rows:
        by_parties.setdefault((actors[row.recipient].iri, actors[row.supplier].iri), []).append(row)
    report = MatchReport()
    for transfer in curated.transfers:
        result = match_transfer(curated, transfer, by_parties, names)
        if isinstance(result, Match):
            report.matched.append(result)
        else:
            report.unmatched.append(result)
    return report


__all__ = [
    "REASONS",
    "Curated",
    "CuratedTransfer",
    "Match",
    "MatchReport",
    "Miss",
    "designation_level",
    "match_curated",
]
