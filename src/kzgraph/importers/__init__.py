"""Importers of external data sets into kzgraph: each reads one published format exactly as its publisher
exports it, converts it to kzgraph's model and writes it as a named graph of its own
(``https://w3id.org/kzgraph/graph/import/{name}``)."""
