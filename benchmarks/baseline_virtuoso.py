"""Virtuoso (Debian's virtuoso-opensource-7: ``virtuoso-t`` and ``isql-vt``), started as the tests start it
(tests/remote_stores.py: its virtuoso.ini in a folder of its own) with more buffers (1.3 GB, Virtuoso's
advice for 2 GB of memory) and eight server threads; the dump bulk-loaded with ``ld_dir`` and
``rdf_loader_run`` and a checkpoint, then the server restarted and timed to its first answer on
``/sparql`` (whose default graph is the union of the graphs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from processes import Failed, free_port
from systems import ROOT, HttpSystem, Limits

sys.path.insert(0, str(ROOT))
from tests.remote_stores import VIRTUOSO_INI  # the tests' configuration, reused

TUNING = {"NumberOfBuffers = 20000": "NumberOfBuffers = 170000", "MaxDirtyBuffers = 15000": "MaxDirtyBuffers = 130000",
          "MaxClientConnections = 4": "MaxClientConnections = 8", "ServerThreads = 4": "ServerThreads = 8"}


@dataclass
class Virtuoso(HttpSystem):
    key: str = "virtuoso"
    title: str = "Virtuoso"

    def open(self, dump: Path, folder: Path, limits: Limits) -> None:
        binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
        if binary is None or isql is None:
            raise Failed("virtuoso-t or isql-vt is not installed (Debian: virtuoso-opensource-7)")
        http_port, sql_port = free_port(), free_port()
        ini = VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port)
        for default, tuned in TUNING.items():
            assert default in ini, f"tests/remote_stores.py's virtuoso.ini no longer says {default!r}"
            ini = ini.replace(default, tuned)
        ini = ini.replace(f"DirsAllowed = ., {folder}",
                          f"DirsAllowed = ., {folder}, {dump.parent}")
        (folder / "virtuoso.ini").write_text(ini)
        command = [binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")]
        url = f"http://127.0.0.1:{http_port}/sparql"
        self.serve(command, url, folder / "virtuoso-stdout.log", limits)  # a new, empty database
        sql = (f"ld_dir('{dump.parent}', '{dump.name}', 'http://example.org/bench/graph'); rdf_loader_run(); "
               "checkpoint; SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
        started = time.perf_counter()
        try:
            done = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={sql}"], capture_output=True,
                                  text=True, timeout=limits.load_seconds)
        except subprocess.TimeoutExpired:
            self.close()
            raise Failed(f"bulk load did not finish in {limits.load_seconds:.0f} s") from None
        self.load = time.perf_counter() - started
        self.load_peak_mb = self.peak()
        if done.returncode != 0 or "Error" in done.stdout + done.stderr or str(dump) in done.stdout:
            self.close()
            raise Failed(f"bulk load failed: {(done.stdout + done.stderr).strip()[-400:]}")
        self.close()
        self.serve(command, url, folder / "virtuoso-stdout.log", limits)  # the loaded database, timed
