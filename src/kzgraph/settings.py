"""kzgraph's settings, declared once: each with its default, its environment variable and its help.

The command line builds its options from these declarations (:func:`kzgraph.cli.options.option`), the
endpoint reads the same object, and docs/settings.md is generated from it (``kzgraph settings --markdown``;
a test checks that the committed table is current). A value comes, in this order, from the command line
(or the keyword given to :meth:`Settings.load`), from the environment, or from the default.

>>> Settings().timeout
30.0
>>> Settings.load({"KZGRAPH_MAX_ROWS": "0"}).max_rows is None
True
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzgraph.errors import UsageError


def setting(default: Any, help: str, *, env: str | None = None, cli: str | None = None,
            minimum: float | None = None, zero_means_none: bool = False) -> Any:
    """A settings field: its default, help text, environment variable and command-line option name."""
    metadata = {"help": help, "env": env, "cli": cli, "minimum": minimum, "zero_means_none": zero_means_none}
    if isinstance(default, tuple):
        return field(default=default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """How kzgraph works on a project and serves it. See docs/settings.md for the table."""

    project: Path | None = setting(
        None, "Project folder holding ontology/ and data/ (default: the current folder when it holds them, "
              "else the data packaged with kzgraph).", env="KZGRAPH_PROJECT", cli="--project")
    build_dir: Path | None = setting(
        None, "Folder of builds (default: build/ in the project).", env="KZGRAPH_BUILD", cli="--build-dir")
    sources: Path | None = setting(
        None, "Folder of the source documents (default: ../shared/seeds beside the project).",
        env="KZGRAPH_SOURCES", cli="--sources")
    store: str | None = setting(
        None, "Store to query: a persistent Oxigraph store path, 'memory' for rdflib, or the http(s) URL of a "
              "SPARQL 1.1 store (credentials from KZGRAPH_STORE_USER/_PASSWORD/_AUTH or KZGRAPH_STORE_TOKEN); "
              "default: Oxigraph in memory, loaded from the last build.", env="KZGRAPH_STORE", cli="--store")
    timeout: float = setting(30.0, "Seconds a query may run before it is stopped (HTTP 503, exit 1).",
                             env="KZGRAPH_TIMEOUT", cli="--timeout", minimum=0.01)
    max_rows: int | None = setting(10_000, "Rows (or triples) of a result before it is cut; 0: no limit.",
                                   env="KZGRAPH_MAX_ROWS", cli="--max-rows", minimum=0, zero_means_none=True)
    max_query_length: int = setting(100_000, "Characters of a query or update.", env="KZGRAPH_MAX_QUERY_LENGTH",
                                    cli="--max-query-length", minimum=1)
    max_body_bytes: int = setting(10 * 1024 * 1024, "Bytes of a request body.", env="KZGRAPH_MAX_BODY",
                                  cli="--max-body", minimum=1)
    workers: int = setting(2, "Query worker processes of the endpoint.", env="KZGRAPH_WORKERS", cli="--workers",
                           minimum=1)
    memory_limit_mb: int | None = setting(4096, "MB of address space per worker process; 0: no limit.",
                                          env="KZGRAPH_WORKER_MEMORY", cli="--worker-memory", minimum=0,
                                          zero_means_none=True)
    write_timeout: float = setting(600.0, "Seconds a write may take, validation included.",
                                   env="KZGRAPH_WRITE_TIMEOUT", cli="--write-timeout", minimum=0.01)
    update_token: str | None = setting(
        None, "Accept SPARQL Update and Graph Store writes from clients that send `Authorization: Bearer TOKEN` "
              "(default: read-only).", env="KZGRAPH_UPDATE_TOKEN", cli="--update-token")
    allowed_services: tuple[str, ...] = setting(
        (), "An endpoint SERVICE clauses may query (repeatable; default: none).", cli="--allow-service")
    engine: str = setting("sparql", "SHACL engine: sparql (fast, the default) or pyshacl (the reference; minutes "
                                    "on the whole graph).", env="KZGRAPH_SHACL_ENGINE", cli="--engine")
    host: str = setting("127.0.0.1", "Address to listen on.", env="KZGRAPH_HOST", cli="--host")
    port: int = setting(8000, "Port to listen on.", env="KZGRAPH_PORT", cli="--port", minimum=1)
    cors_origins: tuple[str, ...] = setting(("*",), "Origins allowed to query the endpoint from a browser (CORS).")
    access_log: bool = setting(False, "Write a line per HTTP request to the server's log (off: about a tenth of "
                                      "the server's time for a millisecond query).", env="KZGRAPH_ACCESS_LOG",
                               cli="--access-log")

    @classmethod
    def fields(cls) -> list[dataclasses.Field[Any]]:
        return list(dataclasses.fields(cls))

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **given: Any) -> Settings:
        """Settings from what is given (None means not given), else the environment, else the defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in cls.fields():
            value = given.get(f.name)
            origin = f.metadata.get("cli") or f.name
            if value is None and f.metadata.get("env") and environ.get(f.metadata["env"]):
                value, origin = environ[f.metadata["env"]], f.metadata["env"]
            if value is None:
                continue
            values[f.name] = _convert(f, value, origin)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (None leaves a value as it is), checked as :meth:`load` checks."""
        values = {}
        for f in self.fields():
            if changes.get(f.name) is not None:
                values[f.name] = _convert(f, changes[f.name], f.metadata.get("cli") or f.name)
        return dataclasses.replace(self, **values)

    def public(self) -> dict[str, Any]:
        """The settings as plain values, the update token hidden."""
        out = {f.name: getattr(self, f.name) for f in self.fields()}
        if out["update_token"] is not None:
            out["update_token"] = "***"
        return {k: str(v) if isinstance(v, Path) else v for k, v in out.items()}


def _convert(f: dataclasses.Field[Any], value: Any, origin: str) -> Any:
    """A given or environment value as the field's type, checked against its minimum."""
    kind = str(f.type)
    try:
        if "tuple" in kind:
            converted: Any = tuple(value.split(",")) if isinstance(value, str) else tuple(value)
        elif kind.startswith("bool"):
            converted = _boolean(value)
        elif "Path" in kind:
            converted = Path(value)
        elif kind.startswith("float"):
            converted = float(value)
        elif kind.startswith("int"):
            converted = int(value)
        else:
            converted = str(value)
    except (TypeError, ValueError):
        raise UsageError(f"{origin}: {value!r} is not a valid value ({kind.split(' ')[0]} expected)") from None
    minimum = f.metadata.get("minimum")
    if minimum is not None and isinstance(converted, (int, float)) and converted < minimum:
        raise UsageError(f"{origin}: {value!r} is below the smallest value allowed, {minimum:g}")
    if f.metadata.get("zero_means_none") and converted == 0:
        return None
    return converted


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _boolean(value: Any) -> bool:
    """A yes-or-no value: a bool, or one of 1/true/yes/on and 0/false/no/off (any case)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(value)


def settings_markdown() -> str:
    """The table of settings for docs/settings.md."""
    lines = ["| setting | option | environment variable | default | meaning |", "|---|---|---|---|---|"]
    for f in Settings.fields():
        default = f.default
        shown = "" if default is None else (",".join(default) if isinstance(default, tuple) else
                                            str(default).lower() if isinstance(default, bool) else str(default))
        lines.append(f"| `{f.name}` | {('`' + f.metadata['cli'] + '`') if f.metadata.get('cli') else ''} | "
                     f"{('`' + f.metadata['env'] + '`') if f.metadata.get('env') else ''} | "
                     f"{('`' + shown + '`') if shown else ''} | {f.metadata['help']} |")
    return "\n".join(lines) + "\n"
