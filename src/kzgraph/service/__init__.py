"""The query service: user queries guarded and evaluated in worker processes, writes validated before they
commit. The command line, the Python API and the endpoint all query through it (ARCHITECTURE.md)."""
