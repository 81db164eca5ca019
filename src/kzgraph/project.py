"""The project kzgraph works on: a folder holding ontology/, data/ and queries/, and where its builds go.

:meth:`Project.locate` chooses the folder, in this order:

1. the folder given (``--project`` or ``KZGRAPH_PROJECT``), which must hold ``ontology/`` and ``data/``;
2. the current folder, when it holds ``ontology/`` and ``data/``;
3. the data packaged with kzgraph: ``kzgraph/_project`` inside an installed wheel, or the source checkout
   of an editable install.

Builds go to ``KZGRAPH_BUILD`` (``--build-dir``) when set, else to the project's ``build/``; a packaged
project is read-only, so its builds go to the user's cache folder (``$XDG_CACHE_HOME/kzgraph/build``),
never into site-packages. The source documents are in ``KZGRAPH_SOURCES`` (``--sources``), else in
``../shared/seeds`` beside the project.

:meth:`Project.configured` is that rule applied to :class:`~kzgraph.settings.Settings` (by default read from
the environment); it is the one place where a project, its builds and its sources folder are chosen.

>>> project = Project.locate(Path(__file__).resolve().parents[2])
>>> project.ontology_dir.name, project.packaged
('ontology', False)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kzgraph.errors import UsageError
from kzgraph.settings import Settings

PACKAGED = Path(__file__).resolve().parent / "_project"
CHECKOUT = Path(__file__).resolve().parents[2]
CONFIG_NAME = "kzgraph.toml"


def holds_project(folder: Path) -> bool:
    """Whether a folder is a kzgraph project: it holds ontology/ and data/."""
    return (folder / "ontology").is_dir() and (folder / "data").is_dir()


DEFAULT_ROOT = PACKAGED if holds_project(PACKAGED) else CHECKOUT
"""The project packaged with kzgraph: inside an installed wheel, or the source checkout."""


@dataclass(frozen=True)
class Project:
    """A kzgraph project folder and the folders derived from it."""

    root: Path
    build_root: Path
    sources: Path
    packaged: bool = False

    @classmethod
    def locate(cls, given: Path | None = None, *, build_dir: Path | None = None,
               sources: Path | None = None) -> Project:
        """The project at ``given``, else in the current folder, else the packaged data (see the module)."""
        packaged = False
        if given is not None:
            root = Path(given).expanduser().resolve()
            if not holds_project(root):
                raise UsageError(f"--project {given}: {root} holds no ontology/ and data/ folders; "
                                 "give the folder of a kzgraph project")
        elif holds_project(Path.cwd()):
            root = Path.cwd().resolve()
        elif holds_project(PACKAGED):
            root, packaged = PACKAGED, True
        elif holds_project(CHECKOUT):
            root = CHECKOUT
        else:
            raise UsageError("no kzgraph project here: give --project FOLDER (or KZGRAPH_PROJECT), or run "
                             "kzgraph in a folder that holds ontology/ and data/")
        if build_dir is not None:
            builds = Path(build_dir).expanduser().resolve()
        elif packaged:
            cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
            builds = cache / "kzgraph" / "build"
        else:
            builds = root / "build"
        seeds = Path(sources).expanduser() if sources is not None else root.parent / "shared" / "seeds"
        return cls(root=root, build_root=builds, sources=seeds, packaged=packaged)

    @classmethod
    def configured(cls, settings: Settings | None = None, given: Path | None = None) -> Project:
        """The project that ``settings`` name (default: :meth:`Settings.load`, the environment): ``given``,
        else ``settings.project``, located by :meth:`locate` with the settings' build and sources folders."""
        settings = settings if settings is not None else Settings.load()
        return cls.locate(given if given is not None else settings.project, build_dir=settings.build_dir,
                          sources=settings.sources)

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.ontology_dir / "shapes"

    @property
    def derivations_dir(self) -> Path:
        return self.ontology_dir / "derivations"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def current_build(self) -> Path:
        """The folder of the last successful build."""
        return self.build_root / "current"

    @property
    def imports_dir(self) -> Path:
        """Where imported data sets are kept between builds (outside ``current``, which each build replaces)."""
        return self.build_root / "imports"

    def config(self) -> dict[str, Any]:
        """The project's configuration, ``kzgraph.toml`` in its folder (empty when there is none)."""
        path = self.root / CONFIG_NAME
        if not path.is_file():
            return {}
        try:
            with path.open("rb") as file:
                return tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"{path}: {error}") from None

    def resolve(self, value: str | Path) -> Path:
        """A path from the project's configuration: relative paths are relative to the project folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.root / path)
