"""Storing a register's import in a folder: the graph as N-Quads and a JSON manifest, written atomically.

``store_import(csv, folder)`` writes ``folder/sipri.nq`` (every triple in the named graph
``https://w3id.org/kzgraph/graph/import/sipri``) and ``folder/sipri.manifest.json`` (the CSV's SHA-256,
its generation time, rows, triples, seconds, and the report of the links to curated transfers). Both are
written to staging files first and moved into place only when the whole conversion has succeeded, so an
error leaves the previous import as it was. The two moves are one commit: a record of them
(``.sipri.commit``) is written first, so that a process killed between them leaves the record, and the next
reader of the folder (:func:`read_manifest`, :func:`store_import`) completes them (:func:`complete`): the
data and its manifest are always of the same import.

Importing the same file again, with the same name tables and curated data, rewrites nothing and reports
``unchanged``; a different export replaces the import (``replaced``); an export generated before the one
imported is refused unless ``allow_older`` is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph

from kzgraph.errors import UsageError
from kzgraph.importers.sipri.convert import IMPORT_GRAPH, Progress, convert, load_curated
from kzgraph.importers.sipri.matching import Curated, MatchReport
from kzgraph.importers.sipri.register import read_register
from kzgraph.importers.sipri.tables import ActorTable, tables_sha256
from kzgraph.store.folders import sync_folder

DATA_NAME = "sipri.nq"
MANIFEST_NAME = "sipri.manifest.json"
COMMIT_NAME = ".sipri.commit"
#: Raised whenever the conversion changes what it writes, so that an import of the same file is redone.
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ImportResult:
    """What :func:`store_import` did: ``status`` is ``created``, ``replaced`` or ``unchanged``."""

    status: str
    folder: Path
    data: Path
    manifest: Path
    rows: int
    triples: int
    seconds: float
    sha256: str
    generated: datetime
    document: str
    matches: MatchReport

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _staged(path: Path) -> Path:
    return path.with_name(f".{path.name}.staged")



def complete(folder: Path) -> bool:
    """Complete an import that a killed process committed but did not finish moving into place (True), and
    remove the staging files of one that it never committed."""
    folder = Path(folder)
    commit = folder / COMMIT_NAME
    staged = [_staged(folder / DATA_NAME), _staged(folder / MANIFEST_NAME)]
    if commit.is_file():
        for path in staged:
            if path.is_file():
                os.replace(path, path.with_name(path.name[1:-len(".staged")]))
        sync_folder(folder)
        commit.unlink()
        return True
    for path in [*staged, folder / f"{COMMIT_NAME}.partial"]:
        path.unlink(missing_ok=True)
    return False


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of the import in ``folder``, or None when there is none (or it cannot be read)."""
    if (Path(folder) / COMMIT_NAME).is_file():
        complete(folder)
    try:
        manifest = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None  # a manifest is a JSON object


def _result(status: str, folder: Path, manifest: dict[str, Any], seconds: float) -> ImportResult:
    return ImportResult(status, folder, folder / DATA_NAME, folder / MANIFEST_NAME, manifest["source"]["rows"],
                        manifest["data"]["triples"], seconds, manifest["source"]["sha256"],
                        datetime.fromisoformat(manifest["source"]["generated"]), manifest["document"],
                        MatchReport.from_dict(manifest["matches"]))


def _write_atomically(path: Path, chunks: Iterable[str], staging_paths: list[Path]) -> str:
    """Write chunks to a staging file beside ``path`` (not yet moved into place); return its SHA-256."""
    staging = _staged(path)
    staging_paths.append(staging)
    digest = hashlib.sha256()
    with staging.open("wb") as stream:
        for chunk in chunks:
            data = chunk.encode("utf-8")
            digest.update(data)
            stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    return digest.hexdigest()


def store_import(csv_path: str | Path, folder: str | Path, curated_graph: Graph | None = None,
                 progress: Progress | None = None, *, data_dir: Path | None = None,
                 allow_older: bool = False, actors: ActorTable | None = None) -> ImportResult:
    """Import a SIPRI trade register into ``folder`` (created if missing).

    ``curated_graph`` is the curated data the import shares IRIs with and links to; None reads the
    project's data/ folder (or ``data_dir``). ``progress(rows_done, rows_total)`` is called as the rows
    are converted. Raises :class:`kzgraph.errors.ImportFormatError` for a file that is not a SIPRI
    register, :class:`kzgraph.errors.UsageError` for an export older than the one imported (unless
    ``allow_older``); in both cases, and on any other error, the folder is left as it was.
    """
    started = time.perf_counter()
    csv_path, folder = Path(csv_path), Path(folder)
    csv_sha = _sha256(csv_path)
    curated = Curated.from_graph(curated_graph if curated_graph is not None else load_curated(data_dir))
    actors = actors or ActorTable()
    fingerprint = hashlib.sha256(
        f"{csv_sha} {actors.sha256} {tables_sha256()} {FORMAT_VERSION} {curated.digest()}".encode("ascii")).hexdigest()
    previous = read_manifest(folder)
    data_path, manifest_path = folder / DATA_NAME, folder / MANIFEST_NAME
    if previous and previous.get("fingerprint") == fingerprint and data_path.is_file() \
            and _sha256(data_path) == previous["data"]["sha256"]:
        return _result("unchanged", folder, previous, time.perf_counter() - started)

    register = read_register(csv_path, actors)
    if previous and not allow_older:
        try:
            before = datetime.fromisoformat(previous["source"]["generated"])
        except (KeyError, TypeError, ValueError):
            before = None
        if before is not None and register.generated < before:
            raise UsageError(f"{csv_path} was generated on {register.generated:%Y-%m-%d %H:%M}, before the register "
                             f"imported in {folder} ({before:%Y-%m-%d %H:%M}); import it with allow_older to go back")
    conversion = convert(register, curated, progress)
    folder.mkdir(parents=True, exist_ok=True)
    complete(folder)
    staging: list[Path] = []
    try:
        data_sha = _write_atomically(data_path, conversion.nquads(), staging)
        manifest = {
            "importer": "kzgraph.importers.sipri",
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "graph": str(IMPORT_GRAPH),
            "document": conversion.document,
            "source": {"file": csv_path.name, "path": str(csv_path.resolve()), "sha256": csv_sha,
                       "generated": register.generated.isoformat(), "title": register.title, "rows": len(register),
                       "lines": register.line_count},
            "data": {"file": DATA_NAME, "sha256": data_sha, "triples": len(conversion)},
            "imported": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "matches": conversion.matches.to_dict(),
        }
        _write_atomically(manifest_path, [json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"], staging)
        commit = folder / COMMIT_NAME
        with (folder / f"{COMMIT_NAME}.partial").open("wb") as record:
            record.write(b"sipri.nq sipri.manifest.json\n")
            os.fsync(record.fileno())
        os.replace(folder / f"{COMMIT_NAME}.partial", commit)
        sync_folder(folder)
        os.replace(staging[0], data_path)
        os.replace(staging[1], manifest_path)
        sync_folder(folder)
        commit.unlink()
    finally:
        for path in staging:
            path.unlink(missing_ok=True)
    status = "replaced" if previous else "created"
    return _result(status, folder, manifest, time.perf_counter() - started)
