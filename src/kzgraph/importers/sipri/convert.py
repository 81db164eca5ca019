"""Converting a read trade register to kzgraph's model: one ``kz:ArmsTransfer`` per row, written as
N-Triples statements directly (the full register gives about 850,000 triples; building them as rdflib terms
one by one would take most of a minute).

The IRIs (docs/sipri.md):

* a transfer: ``transfer/sipri-{recipient}-{supplier}-{order year}-{designation}``, the parties as
  their codes (``kaz``, ``rus``, ``nato``, ``hezbollah-lebanon``). Rows with the same IRI (the same
  recipient, supplier, year and designation) are put in order by their content (every field but the row
  and line numbers) and numbered: the first keeps the IRI, the next get ``--2``, ``--3`` … (slugs never
  hold two hyphens in a row, so a number cannot be mistaken for part of a designation). The IRI depends on
  what the row says, not on where it stands in the file.
* a weapon system: the curated ``kz:WeaponSystem`` whose ``kz:designation`` is the same (case, spaces and
  hyphens folded) and whose ``kz:weaponCategory`` does not contradict the category of SIPRI's description;
  else ``weapon/sipri-{designation}-{description}`` (``weapon/sipri-{designation}`` where the two are the
  same, as in "vehicle engine"): SIPRI uses one designation for different things (``Shmel`` is an anti-tank
  missile and a patrol boat), so the description is part of the name.
* the register: ``source/sipri-trade-register-{generation date}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from rdflib import Graph

from kzgraph.importers.sipri.matching import Curated, MatchReport, match_curated
from kzgraph.importers.sipri.register import Register, RegisterRow
from kzgraph.importers.sipri.tables import (
    STATE_KINDS,
    Actor,
    normalise_designation,
    slug,
    state_labels,
    weapon_categories,
)
from kzgraph.namespaces import BASE, CONCEPT, GRAPH, KZ, SOURCE

IMPORT_GRAPH = GRAPH["import/sipri"]
TRANSFER = BASE + "id/transfer/"
WEAPON = BASE + "id/weapon/"
DATABASE_URL = "https://www.sipri.org/databases/armstransfers"
PUBLISHER = "Stockholm International Peace Research Institute (SIPRI)"

Progress = Callable[[int, int], None]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_DCT = "http://purl.org/dc/terms/"
_TRUE, _FALSE = f'"true"^^<{_XSD}boolean>', f'"false"^^<{_XSD}boolean>'
_CONDITION = {"New": "condition-new", "Second hand": "condition-second-hand",
              "Second hand but modernized": "condition-second-hand-modernised"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
              "November", "Dezember")


def _kz(name: str) -> str:
    return f"<{KZ[name]}>"


P = {name: _kz(name) for name in (
    "ArmsTransfer", "WeaponSystem", "SourceDocument", "State", "InternationalOrganisation", "ArmedGroup",
    "Agent", "supplier", "recipient", "weaponSystem", "weaponDescription", "orderYear", "orderYearUncertain",
    "numberOrdered", "numberOrderedUncertain", "numberDelivered", "numberDeliveredUncertain", "deliveryYear",
    "deliveryStartYear", "deliveryEndYear", "equipmentCondition", "secondHand", "tivPerUnit", "tivOrder",
    "tivDelivered", "tivDeliveredBelowHalf", "registerComment", "registerRow", "citation", "document",
    "lineStart", "lineEnd", "designation", "weaponCategory", "isoCode", "acronym", "documentKind", "fileName",
    "lineCount", "description", "sameDealAs")}


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r"))


def string(text: str) -> str:
    return f'"{_escape(text)}"'


def english(text: str) -> str:
    return f'"{_escape(text)}"@en'


def german(text: str) -> str:
    return f'"{_escape(text)}"@de'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{_XSD}{datatype}>'


def iri(value: str) -> str:
    return f"<{value}>"


def boolean(value: bool) -> str:
    return _TRUE if value else _FALSE


def document_iri(register: Register) -> str:
    return f"{SOURCE}sipri-trade-register-{register.generated:%Y-%m-%d}"


@dataclass
class Conversion:
    """The import graph of one register as N-Triples statements (``s p o`` without the final dot), the
    IRI of each row's transfer (in row order) and the report of the links to curated transfers."""

    register: Register
    document: str
    statements: list[str]
    transfers: tuple[str, ...]
    weapons: dict[str, str] = field(repr=False)
    matches: MatchReport = field(repr=False)

    def __len__(self) -> int:
        return len(self.statements)

    def ntriples(self) -> Iterator[str]:
        for statement in self.statements:
            yield statement + " .\n"

    def nquads(self, graph: str = str(IMPORT_GRAPH)) -> Iterator[str]:
        suffix = f" <{graph}> .\n"
        for statement in self.statements:
            yield statement + suffix

    def graph(self) -> Graph:
        """The statements as an rdflib graph named :data:`IMPORT_GRAPH` on an Oxigraph store."""
        graph = Graph(store="Oxigraph", identifier=IMPORT_GRAPH)
        graph.parse(data="".join(self.ntriples()).encode("utf-8"), format="ox-nt")
        return graph


def _content(row: RegisterRow) -> tuple[str, ...]:
    """What a row says, without where it stands: the order of rows that share an IRI."""
    values = (row.recipient, row.supplier, row.order_year, row.order_year_uncertain, row.number_ordered,
              row.number_ordered_uncertain, row.designation, row.description, row.number_delivered,
              row.number_delivered_uncertain, row.delivery_years, row.status, row.comment, row.tiv_per_unit,
              row.tiv_order, row.tiv_delivered)
    return tuple("" if v is None else str(v) for v in values)


def transfer_iris(register: Register) -> tuple[str, ...]:
    """The IRI of each row's transfer, in row order (see the module's description)."""
    actors = register.actors
    bases = [f"sipri-{actors[r.recipient].code}-{actors[r.supplier].code}-{r.order_year}-{slug(r.designation)}"
             for r in register.rows]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, base in enumerate(bases):
        groups[base].append(index)
    names = list(bases)
    for base, members in groups.items():
        if len(members) > 1:
            members.sort(key=lambda i: _content(register.rows[i]))
            for number, index in enumerate(members[1:], start=2):
                names[index] = f"{base}--{number}"
    return tuple(TRANSFER + name for name in names)


def _declare_actor(actor: Actor, out: list[str]) -> None:
    s = iri(actor.iri)
    if actor.kind in STATE_KINDS:
        code = actor.local_name
        out.append(f"{s} {_RDF_TYPE} {P['State']}")
        out.append(f"{s} {P['isoCode']} {string(code)}")
        labels = state_labels(code) if actor.kind != "user-assigned-state" else None
        if labels:
            out.append(f"{s} {_LABEL} {english(labels[0])}")
            if labels[1]:
                out.append(f"{s} {_LABEL} {german(labels[1])}")
        else:
            out.append(f"{s} {_LABEL} {english(actor.label)}")
    elif actor.kind == "organisation":
        out.append(f"{s} {_RDF_TYPE} {P['InternationalOrganisation']}")
        out.append(f"{s} {_LABEL} {english(actor.label)}")
        out.append(f"{s} {P['acronym']} {string(actor.local_name)}")
    elif actor.kind == "non-state-actor":
        out.append(f"{s} {_RDF_TYPE} {P['ArmedGroup']}")
        out.append(f"{s} {_LABEL} {english(actor.label)}")
        description = "A non-state actor that the SIPRI arms-transfers register names."
        out.append(f"{s} {P['description']} {english(description)}")
    else:
        out.append(f"{s} {_RDF_TYPE} {P['Agent']}")
        out.append(f"{s} {_LABEL} {english(actor.label)}")
        description = "Stands for every supplier or recipient the SIPRI arms-transfers register could not identify."
        out.append(f"{s} {P['description']} {english(description)}")


def _document(register: Register, document: str, out: list[str]) -> None:
    d, when = iri(document), register.generated
    day = f"{when.day} {_MONTHS_EN[when.month - 1]} {when.year}"
    tag = f"{when.day}. {_MONTHS_DE[when.month - 1]} {when.year}"  # the day in German
    out += [
        f"{d} {_RDF_TYPE} {P['SourceDocument']}",
        f"{d} {_LABEL} {english(f'SIPRI arms-transfers trade register (generated {day})')}",
        f"{d} {_LABEL} {german(f'SIPRI-Handelsregister der Rüstungstransfers (erstellt am {tag})')}",
        f"{d} <{_DCT}title> {english(register.title)}",
        f"{d} <{_DCT}publisher> {string(PUBLISHER)}",
        f"{d} <{_DCT}created> {typed(when.isoformat(), 'dateTime')}",
        f"{d} <{_DCT}source> {iri(DATABASE_URL)}",
        f"{d} <{_DCT}language> {string('en')}",
        f"{d} {P['documentKind']} {iri(CONCEPT + 'document-kind-database-export')}",
        f"{d} {P['fileName']} {string(register.path.name)}",
        f"{d} {P['lineCount']} {typed(register.line_count, 'integer')}",
        f"{d} {P['description']} "
        + english(f"The CSV export of the SIPRI Arms Transfers Database's trade register for all states, "
                  f"{len(register.rows)} deals; each imported transfer cites its line."),
    ]


def weapon_name(designation: str, description: str) -> str:
    """The local name of a register weapon system: ``sipri-{designation}-{description}``, or
    ``sipri-{designation}`` where the two are the same ("aircraft engine")."""
    name, kind = slug(designation), slug(description)
    return f"sipri-{name}" if name == kind else f"sipri-{name}-{kind}"


class _NewWeapon(TypedDict):
    """A weapon system of the register's own: the spellings and descriptions of its rows, its category."""

    designations: set[str]
    descriptions: set[str]
    category: str | None


class _Weapons:
    """The weapon system of each row: a curated one where the designation agrees, else a register one."""

    def __init__(self, curated: Curated):
        self.curated = curated
        self.categories = weapon_categories()
        self.new: dict[str, _NewWeapon] = {}
        self._memo: dict[tuple[str, str], str] = {}

    def __call__(self, row: RegisterRow) -> str:
        key = (row.designation, row.description)
        found = self._memo.get(key)
        if found is None:
            category = self.categories.get(row.description.casefold())
            found = self.curated.weapon(normalise_designation(row.designation), category)
            if found is None:
                found = WEAPON + weapon_name(row.designation, row.description)
                node = self.new.setdefault(found, {"designations": set(), "descriptions": set(),
                                                   "category": category})
                node["designations"].add(row.designation)
                node["descriptions"].add(row.description)
            self._memo[key] = found
        return found

    def statements(self, out: list[str]) -> None:
        for weapon, node in sorted(self.new.items()):
            w = iri(weapon)
            designation, description = min(node["designations"]), min(node["descriptions"])
            out.append(f"{w} {_RDF_TYPE} {P['WeaponSystem']}")
            label = designation if slug(designation) == slug(description) else f"{designation} ({description})"
            out.append(f"{w} {_LABEL} {english(label)}")
            for spelling in sorted(node["designations"]):
                out.append(f"{w} {P['designation']} {string(spelling)}")
            out.append(f"{w} {P['weaponDescription']} {string(description)}")
            if node["category"]:
                out.append(f"{w} {P['weaponCategory']} {iri(node['category'])}")


def convert(register: Register, curated: Curated | Graph | None = None, progress: Progress | None = None,
            data_dir: Path | None = None) -> Conversion:
    """Convert a register; ``curated`` is the curated data (a graph, or :class:`Curated` made from one)
    whose states, organisations and weapon systems the import shares and whose transfers it links; None
    reads the project's data/ folder (or ``data_dir``)."""
    if not isinstance(curated, Curated):
        curated = Curated.from_graph(curated if curated is not None else load_curated(data_dir))
    document = document_iri(register)
    out: list[str] = []
    _document(register, document, out)
    for actor in sorted({a.iri: a for a in register.actors.values()}.values(), key=lambda a: a.iri):
        if actor.iri not in curated.declared:
            _declare_actor(actor, out)

    names = transfer_iris(register)
    weapons = _Weapons(curated)
    actors = register.actors
    d = iri(document)
    total = len(register.rows)
    conditions = {status: iri(CONCEPT + concept) for status, concept in _CONDITION.items()}
    for index, row in enumerate(register.rows):
        t = iri(names[index])
        recipient, supplier = actors[row.recipient], actors[row.supplier]
        citation = f"_:c{row.row}"
        label = (f"{row.designation} ({row.description}) from {supplier.label} to {recipient.label}, "
                 f"ordered {row.order_year}")
        out += [
            f"{t} {_RDF_TYPE} {P['ArmsTransfer']}",
            f"{t} {_LABEL} {english(label)}",
            f"{t} {P['supplier']} {iri(supplier.iri)}",
            f"{t} {P['recipient']} {iri(recipient.iri)}",
            f"{t} {P['weaponSystem']} {iri(weapons(row))}",
            f"{t} {P['weaponDescription']} {string(row.description)}",
            f"{t} {P['orderYear']} {typed(row.order_year, 'gYear')}",
            f"{t} {P['orderYearUncertain']} {boolean(row.order_year_uncertain)}",
            f"{t} {P['numberOrderedUncertain']} {boolean(row.number_ordered_uncertain)}",
            f"{t} {P['numberDeliveredUncertain']} {boolean(row.number_delivered_uncertain)}",
            f"{t} {P['equipmentCondition']} {conditions[row.status]}",
            f"{t} {P['secondHand']} {boolean(row.second_hand)}",
            f"{t} {P['registerRow']} {typed(row.row, 'integer')}",
            f"{t} {P['citation']} {citation}",
            f"{citation} {P['document']} {d}",
            f"{citation} {P['lineStart']} {typed(row.line_start, 'integer')}",
            f"{citation} {P['lineEnd']} {typed(row.line_end, 'integer')}",
        ]
        if row.number_ordered is not None:
            out.append(f"{t} {P['numberOrdered']} {typed(row.number_ordered, 'integer')}")
        if row.number_delivered is not None:
            out.append(f"{t} {P['numberDelivered']} {typed(row.number_delivered, 'integer')}")
        if row.delivery_years:
            for year in row.delivery_years:
                out.append(f"{t} {P['deliveryYear']} {typed(year, 'gYear')}")
            out.append(f"{t} {P['deliveryStartYear']} {typed(row.delivery_years[0], 'gYear')}")
            out.append(f"{t} {P['deliveryEndYear']} {typed(row.delivery_years[-1], 'gYear')}")
        if row.tiv_per_unit is not None:
            out.append(f"{t} {P['tivPerUnit']} {typed(row.tiv_per_unit, 'decimal')}")
        if row.tiv_order is not None:
            out.append(f"{t} {P['tivOrder']} {typed(row.tiv_order, 'decimal')}")
        if row.tiv_delivered is not None:
            out.append(f"{t} {P['tivDelivered']} {typed(row.tiv_delivered, 'decimal')}")
            out.append(f"{t} {P['tivDeliveredBelowHalf']} {boolean(row.tiv_delivered_below_half)}")
        if row.comment:
            out.append(f"{t} {P['registerComment']} {string(row.comment)}")
        if progress is not None and (index % 1000 == 999 or index + 1 == total):
            progress(index + 1, total)
    weapons.statements(out)

    matches = match_curated(curated, register, names)
    for match in matches.matched:
        for transfer in match.register:
            out.append(f"{iri(match.curated)} {P['sameDealAs']} {iri(transfer)}")
            out.append(f"{iri(transfer)} {P['sameDealAs']} {iri(match.curated)}")
    return Conversion(register, document, out, names, {k: v["category"] or "" for k, v in weapons.new.items()},
                      matches)


def load_curated(data_dir: Path | None = None) -> Graph:
    """The project's curated data: every Turtle file below data/ (or ``data_dir``) in one rdflib graph."""
    from kzgraph.importers.sipri.tables import PROJECT_ROOT

    folder = Path(data_dir) if data_dir is not None else PROJECT_ROOT / "data"
    graph = Graph()
    for path in sorted(folder.rglob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def register_triples(register: Register, curated: Graph | None = None) -> Graph:
    """The import graph of a register as an rdflib graph (named :data:`IMPORT_GRAPH`, on an Oxigraph store);
    ``curated`` as for :func:`convert`."""
    return convert(register, curated).graph()
