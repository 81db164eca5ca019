"""The Markdown (and JSON) of a run of serve_bench.py: the machine, the command, one table per graph with
ratios to the Oxigraph server, the targets of issue 17, kzgraph's own operations on the real graph."""

from __future__ import annotations

import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from systems import System
from timing import percentile

if TYPE_CHECKING:
    from serve_bench import Measurement, QueryFigures

BASE = "oxigraph"
GIB = 1024


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
               platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} cores ({cpu}), {memory:,} MB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def command() -> str:
    script = Path(sys.argv[0])
    shown = f"benchmarks/{script.name}" if script.parent.name == "benchmarks" else str(script)
    return "PYTHONPATH=src python " + shlex.join([shown, *sys.argv[1:]])


def seconds(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"


def ms(value: float) -> str:
    value *= 1000
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def megabytes(value: float) -> str:
    return f"{value:,.0f} MB"


def ratio(value: float | None, base: float | None) -> str:
    """`` (1.52×)``: ``value`` over the Oxigraph server's ``base``; nothing for the base itself or without one."""
    return f" ({value / base:.2f}×)" if value is not None and base and value is not base else ""


def header() -> str:
    return "\n".join([f"Run of {time.strftime('%Y-%m-%d %H:%M')} UTC.", "", f"Machine: {machine()}; load average "
                      f"{load_average()} at the start (1, 5, 15 minutes).", "", f"Command: `{command()}`", ""])


def section(result: Measurement) -> str:
    return "\n".join(table(result) + targets(result) + operations(result))


def footer(elapsed: float) -> str:
    return f"The run took {elapsed / 60:.1f} minutes; load average {load_average()} at its end."


def table(result: Measurement) -> list[str]:
    dataset, systems = result.dataset, result.systems
    base = next((system for system in systems if system.key == BASE), None)
    steps = ", ".join(f"{step} {value:.1f} s" for step, value in dataset.prepared.items())
    lines = [f"### {dataset.name} ({dataset.megabytes:,.0f} MB of N-Quads)", "",
             f"Measured in {result.seconds / 60:.1f} minutes" + (f"; prepared with {steps}" if steps else "") +
             ". Ratios: to the Oxigraph server.", "",
             "| | " + " | ".join(system.title for system in systems) + " |",
             "|---|" + "---|" * len(systems)]

    def row(label: str, cell: Callable[[System], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(system) for system in systems) + " |")

    def timing(value: float | None, base_value: float | None) -> str:
        return "—" if value is None else seconds(value) + ratio(value, base_value)

    row("load", lambda s: timing(s.load, base.load if base else None))
    row("peak memory while loading (sum of RSS)",
        lambda s: "—" if s.load_peak_mb is None else megabytes(s.load_peak_mb))
    row("start to first answer", lambda s: timing(s.startup, base.startup if base else None))
    row("peak memory, all processes, serving (sum of RSS, sampled)",
        lambda s: megabytes(result.peak[s.key]) + ratio(result.peak[s.key], result.peak.get(BASE))
        if s.key in result.peak else "—")
    row("memory after the queries (sum of RSS)",
        lambda s: megabytes(result.memory[s.key]) + ratio(result.memory[s.key], result.memory.get(BASE))
        if s.key in result.memory else "—")
    notes: list[str] = []
    for name, figures in result.queries.items():
        rows = figures.rows.get("kzgraph", next(iter(figures.rows.values()), None))
        base_p50 = percentile(figures.times[BASE], 0.5) if figures.times.get(BASE) else None

        row(f"{name} ({f'{rows:,}' if rows is not None else '?'} rows), p50 / p95",
            partial(query_cell, name=name, figures=figures, rows=rows, base_p50=base_p50, notes=notes))

    def rate(system: System) -> str:
        value = result.throughput.get(system.key)
        if value is None and system.broken is not None:
            notes.append(f"{system.title}, throughput: not run, the system {system.broken}")
            return f"not run ({len(notes)})"
        if isinstance(value, str):
            notes.append(f"{system.title}, throughput: {value}")
            return f"failed ({len(notes)})"
        base_value = result.throughput.get(BASE)
        return "—" if value is None else f"{value:,.0f} req/s" + ratio(value, base_value if isinstance(
            base_value, float) else None)

    row("concurrent point lookups, requests per second", rate)
    row("CPU time per point lookup meanwhile, all processes",
        lambda s: f"{result.cpu_per_request[s.key] * 1e6:,.0f} µs" + ratio(result.cpu_per_request[s.key],
                                                                           result.cpu_per_request.get(BASE))
        if s.key in result.cpu_per_request else "—")
    lines += [""] + [f"({number}) {note}" for number, note in enumerate(notes, 1)]
    for system in systems:
        lines += [f"{system.title}: {note}." for note in system.notes]
    lines += [f"{key}: {reason}." for key, reason in result.not_run.items()]
    return [*lines, ""]


def query_cell(system: System, name: str, figures: QueryFigures, rows: int | None, base_p50: float | None,
               notes: list[str]) -> str:
    """p50 / p95 of a query on a system, its ratio, and what differs: fewer runs, other row counts, failure."""
    failure = figures.failures.get(system.key)
    if failure is not None:
        notes.append(f"{system.title}, {name}: {failure}")
        return f"failed ({len(notes)})"
    times = figures.times.get(system.key)
    if not times:
        return "—"
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    text = f"{ms(p50)} / {ms(p95)} ms" + ratio(p50, base_p50)
    if len(times) < max(len(t) for t in figures.times.values()):
        text += f", {len(times)} runs"
    if figures.rows.get(system.key) != rows:
        text += f", {figures.rows.get(system.key)} rows"
    return text


def targets(result: Measurement) -> list[str]:
    """kzgraph against the targets of issue 17 (relative to the Oxigraph server; 8 GiB at any size)."""
    kz = next((s for s in result.systems if s.key == "kzgraph"), None)
    ox = next((s for s in result.systems if s.key == BASE), None)
    if kz is None:
        return []
    lines = ["| target | measured | |", "|---|---|---|"]
    peak = max(kz.load_peak_mb or 0, result.peak.get("kzgraph", 0))
    lines.append(f"| under 8 GiB while loading, starting and answering | peak {megabytes(peak)} | "
                 f"{'met' if peak < 8 * GIB else 'missed'} |")
    if kz.startup is not None:
        lines.append(f"| start to first answer under 2 s | {seconds(kz.startup)} | "
                     f"{'met' if kz.startup < 2 else 'missed'} |")
    if ox is None:
        return [*lines, ""]
    if kz.load and ox.load:
        lines.append(f"| load within 1.5 × `oxigraph load` | {kz.load / ox.load:.2f} × | "
                     f"{'met' if kz.load <= 1.5 * ox.load else 'missed'} |")
    if "kzgraph" in result.memory and BASE in result.memory:
        bound = 2 * result.memory[BASE] + 300
        kz_mb = result.memory["kzgraph"]
        lines.append(f"| memory within 2 × Oxigraph's + 300 MB (after the queries) | {megabytes(kz_mb)} against "
                     f"{megabytes(bound)} | {'met' if kz_mb <= bound else 'missed'} |")
    slow = []
    compared = 0
    for name, figures in result.queries.items():
        if figures.times.get("kzgraph") and figures.times.get(BASE):
            compared += 1
            factor = percentile(figures.times["kzgraph"], 0.5) / percentile(figures.times[BASE], 0.5)
            if factor > 1.5:
                slow.append(f"{name} {factor:.2f}")
    lines.append(f"| every query within 1.5 × the Oxigraph server (p50) | {compared - len(slow)} of {compared}"
                 f"{'; over: ' + ', '.join(slow) if slow else ''} | {'missed' if slow else 'met'} |")
    kz_rate, ox_rate = result.throughput.get("kzgraph"), result.throughput.get(BASE)
    if isinstance(kz_rate, float) and isinstance(ox_rate, float):
        lines.append(f"| throughput at least 0.7 × the Oxigraph server's | {kz_rate / ox_rate:.2f} × | "
                     f"{'met' if kz_rate >= 0.7 * ox_rate else 'missed'} |")
    return [*lines, ""]


def operations(result: Measurement) -> list[str]:
    if not result.operations:
        return []
    base = result.operations[0].seconds
    lines = ["kzgraph's own work on this graph (each a process of its own, the last build opened first):", "",
             "| operation | time | × opening the build | peak memory (sum of RSS) |", "|---|---|---|---|"]
    for outcome in result.operations:
        if outcome.seconds is None:
            lines.append(f"| {outcome.name} | {outcome.failure} | | |")
        else:
            lines.append(f"| {outcome.name} | {seconds(outcome.seconds)} | "
                         f"{outcome.seconds / base if base else 0:.2f} | {megabytes(outcome.peak_mb or 0)} |")
    return [*lines, ""]


def as_json(results: list[Measurement]) -> list[dict[str, object]]:
    return [{"dataset": result.dataset.name, "triples": result.dataset.triples, "seconds": result.seconds,
             "systems": {s.key: {"load": s.load, "load_peak_mb": s.load_peak_mb, "startup": s.startup}
                         for s in result.systems},
             "not_run": result.not_run, "queries": {name: asdict(figures) for name, figures in result.queries.items()},
             "throughput": result.throughput, "cpu_per_request": result.cpu_per_request,
             "memory_mb": result.memory, "peak_mb": result.peak,
             "operations": [asdict(outcome) for outcome in result.operations]} for result in results]
