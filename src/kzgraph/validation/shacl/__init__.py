"""SHACL (W3C Shapes Constraint Language, https://www.w3.org/TR/shacl/) for kzgraph.

* :mod:`.shapes` reads a shapes graph into Python values and refuses what the SPARQL engine cannot run;
* :mod:`.sparql_engine` compiles the shapes into SPARQL queries evaluated over all focus nodes at once;
* :mod:`.reference` runs pySHACL, the reference engine;
* :mod:`.results` holds validation results and writes the standard validation report.

The public entry points are in :mod:`kzgraph.validation.validator`.
"""
