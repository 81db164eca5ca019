"""The SIPRI fixture register and variants of it, made by changing its text (latin-1) in a temporary folder."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sipri"
SAMPLE = FIXTURES / "trade-register-sample.csv"
FULL_REGISTER = Path(__file__).resolve().parents[3] / "shared" / "reference" / "sipri" / "trade-register.csv"
HEADER_LINE = 12  # the line of the header row in SIPRI's export (11 preamble lines before it)


def sample_text() -> str:
    return SAMPLE.read_bytes().decode("latin-1")


def sample_lines() -> list[str]:
    """The fixture's lines without their line ends (a line that ends in CR keeps it)."""
    return sample_text().split("\n")[:-1]


def write(folder: Path, text: str, name: str = "register.csv", encoding: str = "latin-1") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def write_lines(folder: Path, lines: list[str], name: str = "register.csv") -> Path:
    return write(folder, "\n".join(lines) + "\n", name)


def line_number(lines: list[str], start: str) -> int:
    """The 1-based number of the first line that starts with ``start``."""
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(start))
