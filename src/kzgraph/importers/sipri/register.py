"""Reading SIPRI's trade register (the CSV export of the SIPRI Arms Transfers Database) exactly as SIPRI
exports it.

The file is latin-1. It starts with a preamble of prose lines (what was selected, the conventions, the
source and ``Data generated: 13 Mar 2025 10:02:49 AM``), then the header row :data:`COLUMNS`, then one
row per deal. Three unnamed columns (header ``" "``, or empty) hold a ``?`` when the value in the column
before them is uncertain. An empty field means "not known". TIV values are in millions of SIPRI
trend-indicator values; ``0`` for the TIV of delivered weapons means between 0 and 0.5 million when
deliveries were identified. Delivery years are lists (``2015; 2016``) whose items may be ranges
(``2015-2017``).

SIPRI writes fields without quotes (a ``"`` is read as the character it is); a comment that holds a line
break (``\\n`` or ``\\r\\n``) therefore splits its row over two lines. :func:`read_register` joins such a
row again when the two parts have exactly the fields of one row between them, and keeps both line numbers.
Line numbers are those of the file as ``sed -n`` counts them (lines end at ``\\n``).

Anything else that is not as described raises :class:`kzgraph.errors.ImportFormatError` naming the file,
the line and the field: a truncated file, a changed header, a value that is not a number or year, an
unknown name, a file that is UTF-8 rather than latin-1 (see :func:`check_encoding`).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from kzgraph.errors import ImportFormatError
from kzgraph.importers.sipri.tables import Actor, ActorTable

COLUMNS = ("Recipient", "Supplier", "Year of order", " ", "Number ordered", " ", "Weapon designation",
           "Weapon description", "Number delivered", " ", "Year(s) of delivery", "status", "Comments",
           "SIPRI TIV per unit", "SIPRI TIV for total order", "SIPRI TIV of delivered weapons")
#: Positions of the unnamed uncertainty columns and the column each one qualifies.
UNCERTAINTY = {3: 2, 5: 4, 9: 8}
STATUSES = ("New", "Second hand", "Second hand but modernized")
FIRST_YEAR = 1900

_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_GENERATED = re.compile(r"^Data generated:\s*(\d{1,2}) (\w{3})\w* (\d{4}) (\d{1,2}):(\d{2}):(\d{2})\s*([AP]M)?\s*$",
                        re.IGNORECASE)
_UTF8 = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_COUNT = re.compile(r"\d+")
_TIV = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_YEARS = re.compile(r"(\d{4})(?:\s*[-\u2013]\s*(\d{4}))?")


def column_name(index: int) -> str:
    """How messages name a column: its header, or for an unnamed one, the column it qualifies."""
    if index in UNCERTAINTY:
        return f"uncertainty mark of {COLUMNS[UNCERTAINTY[index]]}"
    return COLUMNS[index]


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One deal of the register, with typed fields; ``None`` where the register leaves a field empty."""

    row: int                 # 1-based number of the data row
    line_start: int          # first and last line of the file the row stands on
    line_end: int
    recipient: str
    supplier: str
    order_year: int
    order_year_uncertain: bool
    number_ordered: int | None
    number_ordered_uncertain: bool
    designation: str
    description: str
    number_delivered: int | None
    number_delivered_uncertain: bool
    delivery_years: tuple[int, ...]
    status: str
    comment: str
    tiv_per_unit: Decimal | None
    tiv_order: Decimal | None
    tiv_delivered: Decimal | None

    @property
    def second_hand(self) -> bool:
        return self.status != "New"

    @property
    def tiv_delivered_below_half(self) -> bool:
        """True where SIPRI writes 0 for the delivered TIV although deliveries were identified: the volume
        then lies between 0 and 0.5 million TIV."""
        delivered = bool(self.delivery_years) or bool(self.number_delivered)
        return self.tiv_delivered is not None and self.tiv_delivered == 0 and delivered


@dataclass(frozen=True)
class Register:
    """A trade register as read: its preamble, generation time, rows and the actors its names stand for."""

    path: Path
    sha256: str
    title: str
    generated: datetime
    preamble: tuple[str, ...]
    header_line: int
    line_count: int
    rows: tuple[RegisterRow, ...]
    actors: dict[str, Actor] = field(repr=False)

    def __len__(self) -> int:
        return len(self.rows)


def tiv_by_year(row: RegisterRow) -> dict[int, Decimal]:
    """The TIV of delivered weapons spread equally over the row's delivery years (millions of TIV).

    The export gives the delivery years and the TIV delivered in all of them, not a value per year; this
    helper divides the delivered TIV by the number of delivery years, the last year taking what rounding
    leaves, so that the values add up to the delivered TIV exactly. A row without delivery years or
    without a delivered TIV gives ``{}``. It is an approximation: SIPRI's own yearly figures weigh each
    year by the number of items delivered in it, which the export does not give (docs/sipri.md).

    >>> from decimal import Decimal
    >>> example = RegisterRow(1, 13, 13, "A", "B", 2015, False, 6, False, "X", "y", 6, False, (2016, 2017, 2018),
    ...                       "New", "", Decimal("1"), Decimal("6"), Decimal("10"))
    >>> spread = tiv_by_year(example)
    >>> sorted(spread), sum(spread.values()) == Decimal("10")
    ([2016, 2017, 2018], True)
    """
    if not row.delivery_years or row.tiv_delivered is None:
        return {}
    years = sorted(set(row.delivery_years))
    share = row.tiv_delivered / len(years)
    spread = {year: share for year in years[:-1]}
    spread[years[-1]] = row.tiv_delivered - share * (len(years) - 1)
    return spread


def check_encoding(raw: bytes, path: Path) -> None:
    """Refuse a file that is not latin-1 as SIPRI exports it.

    Latin-1 decodes any byte, so a UTF-8 file would be read without complaint and every non-ASCII letter
    would turn into two (``TÃ¼rkiye``). The rule: a byte-order mark, or any well-formed UTF-8 multi-byte
    sequence (a lead byte C2–F4 followed by its continuation bytes 80–BF), marks the file as UTF-8. In
    latin-1 text such a sequence would be an accented capital or ``Ã``-``ô`` followed by a C1 control
    character or by one of ``¡``–``¿``, which SIPRI's names and comments do not contain.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ImportFormatError(f"{path}, line 1: the file starts with a UTF-8 byte-order mark; the SIPRI "
                                "register is latin-1 (export it again, or convert it to latin-1)")
    match = _UTF8.search(raw)
    if match:
        line = raw.count(b"\n", 0, match.start()) + 1
        start = raw.rfind(b"\n", 0, match.start()) + 1
        index = raw.count(b",", start, match.start())
        where = f"field '{column_name(index)}'" if index < len(COLUMNS) else f"field {index + 1}"
        text = raw[match.start():match.end()].decode("utf-8")
        raise ImportFormatError(f"{path}, line {line}, {where}: the bytes {match.group().hex(' ')} are UTF-8 "
                                f"for {text!r}; the SIPRI register is latin-1 (export it again, or convert "
                                "it to latin-1)")


def _generated(line: str, number: int, path: Path) -> datetime | None:
    if not line.startswith("Data generated"):
        return None
    match = _GENERATED.match(line.strip())
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if not match or month is None:
        raise ImportFormatError(f"{path}, line {number}, preamble: cannot read the generation time in {line!r} "
                                "(expected e.g. 'Data generated: 13 Mar 2025 10:02:49 AM')")
    day, _, year, hour, minute, second, half = match.groups()
    hour = int(hour)
    if half:
        if not 1 <= hour <= 12:
            raise ImportFormatError(f"{path}, line {number}, preamble: hour {hour} in {line!r}")
        hour = hour % 12 + (12 if half.upper() == "PM" else 0)
    try:
        return datetime(int(year), month, int(day), hour, int(minute), int(second))
    except ValueError as error:
        raise ImportFormatError(f"{path}, line {number}, preamble: {error} in {line!r}") from None


def _check_header(fields: list[str], number: int, path: Path) -> None:
    found = [f if f.strip() else " " for f in fields]
    if found == list(COLUMNS):
        return
    named = [c for c in COLUMNS if c != " "]
    present = [f for f in found if f != " "]
    missing = [c for c in named if c not in present]
    extra = [f for f in present if f not in named]
    if len(found) != len(COLUMNS) or missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(repr(c) for c in missing))
        if extra:
            parts.append("unexpected " + ", ".join(repr(c) for c in extra))
        detail = "; ".join(parts) or "the columns are in another order"
        raise ImportFormatError(f"{path}, line {number}, header: {len(found)} columns where the SIPRI register has "
                                f"{len(COLUMNS)} ({detail})")
    for index, (got, expected) in enumerate(zip(found, COLUMNS, strict=True)):  # as many: checked above
        if got != expected:
            raise ImportFormatError(f"{path}, line {number}, header column {index + 1}: {got!r} where the SIPRI "
                                    f"register has {expected!r}")


class _RowReader:
    """Turns the fields of one row into a :class:`RegisterRow`, naming line and field in every error."""

    def __init__(self, path: Path, generated: datetime, actors: ActorTable):
        self.path, self.last_year, self.table = path, generated.year, actors
        self.actors: dict[str, Actor] = {}

    def fail(self, line: int, index: int, message: str) -> NoReturn:
        raise ImportFormatError(f"{self.path}, line {line}, field '{column_name(index)}': {message}")

    def year(self, text: str, line: int, index: int) -> int:
        if not re.fullmatch(r"\d{4}", text):
            self.fail(line, index, f"{text!r} is not a year")
        year = int(text)
        if not FIRST_YEAR <= year <= self.last_year:
            self.fail(line, index, f"year {year} lies outside {FIRST_YEAR}-{self.last_year} (the register was "
                                   f"generated in {self.last_year})")
        return year

    def count(self, text: str, line: int, index: int) -> int | None:
        if text == "":
            return None
        if not _COUNT.fullmatch(text):
            self.fail(line, index, f"{text!r} is not a whole number")
        return int(text)

    def tiv(self, text: str, line: int, index: int) -> Decimal | None:
        if text == "":
            return None
        if not _TIV.fullmatch(text):
            self.fail(line, index, f"{text!r} is not a number of millions of TIV (a decimal of at least 0)")
        return Decimal(text)

    def mark(self, text: str, line: int, index: int) -> bool:
        if text not in ("", "?"):
            self.fail(line, index, f"{text!r} where only '?' or nothing may stand")
        return text == "?"

    def years(self, text: str, line: int, index: int, order_year: int) -> tuple[int, ...]:
        if text == "":
            return ()
        years: set[int] = set()
        for item in text.split(";"):
            item = item.strip()
            match = _YEARS.fullmatch(item)
            if not match:
                self.fail(line, index, f"{item!r} in {text!r} is neither a year nor a range of years")
            first = self.year(match.group(1), line, index)
            last = self.year(match.group(2), line, index) if match.group(2) else first
            if last < first:
                self.fail(line, index, f"the range {item!r} ends before it starts")
            if first < order_year:
                self.fail(line, index, f"delivery year {first} comes before the year of order {order_year}")
            years.update(range(first, last + 1))
        return tuple(sorted(years))

    def actor(self, name: str, line: int, index: int) -> Actor:
        actor = self.table.resolve(name)
        if actor is None:
            self.fail(line, index, f"unknown name {name!r}: it is not an ISO 3166 country name that pycountry "
                                   f"knows exactly, nor listed in {self.table.path.name}")
        self.actors[name] = actor
        return actor

    def row(self, fields: list[str], number: int, line_start: int, line_end: int) -> RegisterRow:
        f = [value.strip() for value in fields]
        line = line_start
        recipient, supplier = self.actor(f[0], line, 0), self.actor(f[1], line, 1)
        if recipient.iri == supplier.iri:
            self.fail(line, 1, f"{f[1]!r} is also the recipient")
        order_year = self.year(f[2], line, 2)
        if f[6] == "":
            self.fail(line, 6, "empty: every deal names its weapon")
        if f[11] not in STATUSES:
            self.fail(line, 11, f"{f[11]!r} is not one of " + ", ".join(repr(s) for s in STATUSES))
        return RegisterRow(
            row=number, line_start=line_start, line_end=line_end,
            recipient=f[0], supplier=f[1],
            order_year=order_year, order_year_uncertain=self.mark(f[3], line, 3),
            number_ordered=self.count(f[4], line, 4), number_ordered_uncertain=self.mark(f[5], line, 5),
            designation=f[6], description=f[7],
            number_delivered=self.count(f[8], line, 8), number_delivered_uncertain=self.mark(f[9], line, 9),
            delivery_years=self.years(f[10], line, 10, order_year),
            status=f[11], comment=f[12],
            tiv_per_unit=self.tiv(f[13], line_end, 13), tiv_order=self.tiv(f[14], line_end, 14),
            tiv_delivered=self.tiv(f[15], line_end, 15),
        )


def _records(lines: list[str]) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of each line. SIPRI never quotes a field (it writes ';' where a comma
    would stand), so a quotation mark is read as the character it is."""
    reader = csv.reader(iter(lines), quoting=csv.QUOTE_NONE, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        yield start, reader.line_num, fields
        start = reader.line_num + 1


def read_register(path: str | Path, actors: ActorTable | None = None) -> Register:
    """Read a SIPRI trade register export; raise :class:`ImportFormatError` with line and field when it is
    not one. ``actors`` maps SIPRI's names (the default reads data/reference/sipri-actors.csv)."""
    path = Path(path)
    raw = path.read_bytes()
    check_encoding(raw, path)
    text = raw.decode("latin-1")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    table = actors or ActorTable()

    records = _records(lines)
    preamble: list[str] = []
    generated = None
    header_line = None
    start = 1
    try:
        for start, end, fields in records:
            if len(fields) > 5:
                _check_header(fields, start, path)
                header_line = end
                break
            line = ",".join(fields)
            preamble.append(line)
            generated = _generated(line, start, path) or generated
    except csv.Error as error:
        raise ImportFormatError(f"{path}, line {start}: {error}") from None
    if header_line is None:
        raise ImportFormatError(f"{path}, line {len(lines)}: the file ends inside the preamble, before the header "
                                "row of the register (" + ",".join(c.strip() for c in COLUMNS[:3]) + ",…)")
    if generated is None:
        raise ImportFormatError(f"{path}, line {header_line}: the preamble has no 'Data generated: …' line")

    reader = _RowReader(path, generated, table)
    rows: list[RegisterRow] = []
    pending: tuple[int, int, list[str]] | None = None
    width = len(COLUMNS)
    try:
        for start, end, fields in records:
            if pending is not None:
                first, _, head = pending
                pending = None
                if fields and len(head) + len(fields) - 1 == width:
                    joined = [*head[:-1], (head[-1] + "\n" + fields[0]).strip(), *fields[1:]]
                    rows.append(reader.row(joined, len(rows) + 1, first, end))
                    continue
                raise ImportFormatError(f"{path}, line {first}: the row has {len(head)} fields where the register "
                                        f"has {width}, and line {start} does not complete it")
            if not fields:
                raise ImportFormatError(f"{path}, line {start}: an empty line among the rows of the register")
            if len(fields) == width:
                rows.append(reader.row(fields, len(rows) + 1, start, end))
            elif len(fields) < width:
                pending = (start, end, fields)
            else:
                raise ImportFormatError(f"{path}, line {start}: the row has {len(fields)} fields where the register "
                                        f"has {width}")
    except csv.Error as error:
        raise ImportFormatError(f"{path}, line {start}: {error}") from None
    if pending is not None:
        first, _, head = pending
        raise ImportFormatError(f"{path}, line {first}, field '{column_name(len(head) - 1)}': the row ends there, "
                                f"after {len(head)} of {width} fields: the file is truncated")
    if not rows:
        raise ImportFormatError(f"{path}, line {header_line}: the register has a header but no rows")
    title = re.sub(r"\s+", " ", preamble[0].split(". ")[0]).strip(" .") if preamble else "SIPRI trade register"
    return Register(path=path, sha256=hashlib.sha256(raw).hexdigest(), title=title, generated=generated,
                    preamble=tuple(preamble), header_line=header_line, line_count=len(lines),
                    rows=tuple(rows), actors=dict(reader.actors))
