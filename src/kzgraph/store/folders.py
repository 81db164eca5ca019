"""Replacing a persistent store's folder by a new one, all of it or none, whatever kills the process and when.

A load into a persistent store (``kzgraph load``) fills a staging copy beside the store and then puts it in
place of the store. Folders cannot be swapped in one step, so the swap is a sequence whose every state can be
recognised and completed (:func:`recover`), as a write's journal is (:mod:`kzgraph.service.writes`):

1. the staging folder, filled and flushed, is renamed ``.<store>.loaded`` (the load is complete);
2. the store is renamed ``.<store>.old``;
3. ``.<store>.loaded`` is renamed to the store;
4. ``.<store>.old`` is removed.

A process killed before step 1 leaves the store as it was (and a staging folder, removed next time); killed
later, it leaves a complete load, which :func:`recover` puts in place. :func:`kzgraph.store.local.open` and the
bulk loader call :func:`recover` before they open a store.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

__all__ = ["loaded_path", "old_path", "recover", "replace", "staging_path", "sync_folder"]


def _sibling(location: Path, suffix: str) -> Path:
    folder = Path(location).resolve()
    return folder.with_name(f".{folder.name}.{suffix}")


def staging_path(location: Path) -> Path:
    """Where a load into ``location`` fills its copy (by this process)."""
    return _sibling(location, f"loading-{os.getpid()}")


def loaded_path(location: Path) -> Path:
    """A complete load, not yet in place."""
    return _sibling(location, "loaded")


def old_path(location: Path) -> Path:
    """The store a complete load replaces, until it is removed."""
    return _sibling(location, "old")


def sync_folder(folder: Path) -> None:
    """Make a folder's entries durable (renames and new files in it survive a crash): fsync the folder."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace(staging: Path, location: Path) -> None:
    """Put the complete store at ``staging`` in place of ``location`` (steps 1 to 4 of the module docstring)."""
    location = Path(location).resolve()
    loaded = loaded_path(location)
    sync_folder(staging)
    os.replace(staging, loaded)
    sync_folder(location.parent)
    recover(location)


def recover(location: Path) -> bool:
    """Complete an interrupted replacement of the store at ``location``, if there is one, and remove what a
    killed load left behind: True if a complete load was put in place."""
    location = Path(location).resolve()
    if not location.parent.is_dir():
        return False
    loaded, old = loaded_path(location), old_path(location)
    completed = False
    if loaded.is_dir():
        if location.exists():
            if old.exists():  # left by an earlier replacement that was killed while removing it
                shutil.rmtree(old)
            os.replace(location, old)
        os.replace(loaded, location)
        sync_folder(location.parent)
        completed = True
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    for stale in location.parent.glob(f".{location.name}.loading-*"):  # and Oxigraph's .tmp of a checkpoint
        pid = re.match(r"\d+", stale.name[len(f".{location.name}.loading-"):])
        if pid and int(pid.group()) != os.getpid() and not _process_alive(int(pid.group())):
            shutil.rmtree(stale, ignore_errors=True)
    return completed
