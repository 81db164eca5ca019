"""The two data tables the SIPRI importer reads, and the slugs of its IRIs.

* ``data/reference/sipri-actors.csv`` (``sipri_name,iri,kind,label,note``): the SIPRI names that pycountry
  cannot map exactly, each with its IRI (``state:``, ``io:`` or ``actor:`` prefix) and its kind:
  ``state`` (an ISO 3166-1 state SIPRI spells its own way), ``historic-state`` (an ISO 3166-3 code),
  ``user-assigned-state`` (a state without an ISO code of its own, given a code from ISO 3166-1's
  user-assigned range X..), ``organisation``, ``non-state-actor`` (SIPRI marks them ``*``) or ``unknown``
  (SIPRI's "unknown supplier(s)" and "unknown recipient(s)").
* ``data/reference/sipri-weapon-categories.csv`` (``description,category,note``): SIPRI's weapon
  descriptions (case-folded) and the ``kzc:weapon-…`` category each belongs to, empty where no category is
  obvious.

Every other name is looked up in pycountry exactly: a country whose name, official name or common name
equals the SIPRI name (case-insensitively). pycountry's fuzzy search is never used, and a name found
neither way is an error (:class:`kzgraph.errors.ImportFormatError`), never a guess.
"""

from __future__ import annotations

import csv
import gettext
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pycountry

from kzgraph.namespaces import BASE, CONCEPT, STATE
from kzgraph.project import DEFAULT_ROOT

PROJECT_ROOT = DEFAULT_ROOT  # the packaged project (the tables are reference data of data/)
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"
ACTORS_TABLE = REFERENCE_DIR / "sipri-actors.csv"
CATEGORIES_TABLE = REFERENCE_DIR / "sipri-weapon-categories.csv"

ORG = BASE + "id/org/"
ACTOR = BASE + "id/actor/"
PREFIXES = {"state": str(STATE), "io": ORG, "actor": ACTOR, "kzc": str(CONCEPT)}
KINDS = ("state", "historic-state", "user-assigned-state", "organisation", "non-state-actor", "unknown")
STATE_KINDS = ("state", "historic-state", "user-assigned-state")

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens (ä→ae, ö→oe, ü→ue, ß→ss, other accents dropped), as
    docs/iri-scheme.md asks; never empty, never with two hyphens in a row or a hyphen at either end.

    >>> slug("Saab-105Ö"), slug("PzJ-38(t) Hetzer"), slug("±420hp"), slug("?")
    ('saab-105oe', 'pzj-38-t-hetzer', '420hp', 'x')
    """
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def normalise_designation(designation: str) -> str:
    """A weapon designation with case, white space and hyphens folded away, for comparing designations.

    >>> normalise_designation("Wing Loong - 1") == normalise_designation("Wing Loong-1")
    True
    """
    return re.sub(r"[\s\-\u2010-\u2015]+", "", designation.casefold())


def expand(curie: str, line: int, table: Path) -> str:
    prefix, _, local = curie.partition(":")
    if prefix not in PREFIXES or not local:
        from kzgraph.errors import ImportFormatError

        raise ImportFormatError(f"{table}, line {line}, field 'iri': {curie!r} is not a state:, io: or actor: name")
    return PREFIXES[prefix] + local


@dataclass(frozen=True)
class Actor:
    """What a SIPRI name stands for: its IRI, kind, the code it gives transfer IRIs, and its label."""

    name: str
    iri: str
    kind: str
    code: str
    label: str
    note: str = ""

    @property
    def local_name(self) -> str:
        return self.iri.rsplit("/", 1)[1]


def _plain_name(name: str) -> str:
    return name.rstrip("*").strip()


@lru_cache(maxsize=4)
def _actor_rows(path: Path) -> dict[str, tuple[str, str, str, str]]:
    from kzgraph.errors import ImportFormatError

    rows: dict[str, tuple[str, str, str, str]] = {}
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames != ["sipri_name", "iri", "kind", "label", "note"]:
            raise ImportFormatError(f"{path}, line 1: the header must be sipri_name,iri,kind,label,note")
        for number, row in enumerate(reader, start=2):
            if None in row or None in row.values():
                raise ImportFormatError(f"{path}, line {number}: a row has not 5 fields (quote a note with commas)")
            if row["kind"] not in KINDS:
                raise ImportFormatError(f"{path}, line {number}, field 'kind': {row['kind']!r} is not one of "
                                        f"{', '.join(KINDS)}")
            if row["sipri_name"] in rows:
                raise ImportFormatError(f"{path}, line {number}, field 'sipri_name': {row['sipri_name']!r} "
                                        "is listed twice")
            rows[row["sipri_name"]] = (expand(row["iri"], number, path), row["kind"], row["label"], row["note"])
    return rows


class ActorTable:
    """SIPRI names to actors: the explicit table first, then pycountry's exact names."""

    def __init__(self, path: Path = ACTORS_TABLE):
        self.path = Path(path)
        self.rows = _actor_rows(self.path)
        self._cache: dict[str, Actor | None] = {}

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def resolve(self, name: str) -> Actor | None:
        """The actor a SIPRI name stands for, or None when neither the table nor pycountry knows it."""
        if name not in self._cache:
            self._cache[name] = self._resolve(name)
        return self._cache[name]

    def _resolve(self, name: str) -> Actor | None:
        if name in self.rows:
            iri, kind, label, note = self.rows[name]
            local = iri.rsplit("/", 1)[1]
            code = local.lower() if kind in STATE_KINDS or kind == "organisation" else local.removeprefix("sipri-")
            return Actor(name, iri, kind, slug(code), label or _plain_name(name), note)
        country = exact_country(name)
        if country is None:
            return None
        return Actor(name, str(STATE) + country.alpha_3, "state", country.alpha_3.lower(), name,
                     "pycountry")


def exact_country(name: str) -> pycountry.db.Country | None:
    """The ISO 3166-1 country whose name, official name or common name is ``name`` (case-insensitive), or
    None. Codes are not accepted as names, and nothing is matched fuzzily."""
    try:
        country = pycountry.countries.lookup(name)
    except LookupError:
        return None
    wanted = name.casefold()
    names = (getattr(country, attribute, None) for attribute in ("name", "official_name", "common_name"))
    return country if any(n is not None and n.casefold() == wanted for n in names) else None


@cache
def state_labels(code: str) -> tuple[str, str | None] | None:
    """English and German label of an ISO 3166-1 or ISO 3166-3 alpha-3 code, as data/reference/states.ttl
    gives them (pycountry's common name, else its name; German from pycountry's translations)."""
    country = pycountry.countries.get(alpha_3=code)
    if country is not None:
        german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
        return getattr(country, "common_name", country.name), german.gettext(country.name)
    historic = pycountry.historic_countries.get(alpha_3=code)
    if historic is not None:
        german = gettext.translation("iso3166-3", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
        return historic.name, german.gettext(historic.name)
    return None


@lru_cache(maxsize=4)
def weapon_categories(path: Path = CATEGORIES_TABLE) -> dict[str, str | None]:
    """Case-folded SIPRI weapon description → category concept IRI (None where none is obvious)."""
    from kzgraph.errors import ImportFormatError

    table: dict[str, str | None] = {}
    with Path(path).open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        if reader.fieldnames != ["description", "category", "note"]:
            raise ImportFormatError(f"{path}, line 1: the header must be description,category,note")
        for number, row in enumerate(reader, start=2):
            category = row["category"]
            if category and not category.startswith("kzc:weapon-"):
                raise ImportFormatError(f"{path}, line {number}, field 'category': {category!r} is not a "
                                        "kzc:weapon-… concept")
            table[row["description"].casefold()] = PREFIXES["kzc"] + category[4:] if category else None
    return table


def tables_sha256() -> str:
    """One digest of both tables, so that an import can tell whether they changed since."""
    digest = hashlib.sha256()
    for path in (ACTORS_TABLE, CATEGORIES_TABLE):
        digest.update(path.read_bytes())
    return digest.hexdigest()
