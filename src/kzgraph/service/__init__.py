"""The query service: user queries guarded and evaluated in worker processes, writes validated before they
commit. The command line, the Python API and the endpoint all query through it (ARCHITECTURE.md)."""


def prestart() -> None:
    """Start the query workers' fork server now, in the background, so that it imports the workers' modules
    while the server itself is still importing its own (``kzgraph serve`` calls this first). Only the
    standard library is imported here."""
    import multiprocessing
    import threading

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(["kzgraph.service.workers"])
    threading.Thread(target=forkserver.ensure_running, daemon=True, name="kzgraph-forkserver-start").start()
