"""Every test of the W3C SHACL test suite (core and SHACL-SPARQL) against the kzgraph engines.

The suite is read from shared/reference/w3c-shacl-tests beside the project (:mod:`tests.w3c_shacl_suite`
compares the reports as the suite defines). The ``sparql`` engine must pass every test it does not
refuse, and refuse (with :class:`UnsupportedShapeError`, never a wrong report) exactly the tests listed in
``REFUSED``; a test that expects a failure (``sht:Failure``) passes when the engine refuses the shapes.
pySHACL, the reference, and pyshacl-turbo where it is installed, run the same tests; their known
failures are strict xfails.
"""

from __future__ import annotations

import importlib.util

import pytest

from kzgraph.errors import UnsupportedShapeError

from .w3c_shacl_suite import SUITE, difference, outcome, read_suite, verdict

if not (SUITE / "manifest.ttl").is_file():
    pytest.skip(f"the W3C SHACL test suite is not at {SUITE} (shared/reference/w3c-shacl-tests)",
                allow_module_level=True)

TESTS = read_suite()

#: The tests the sparql engine refuses, with the part of its message that says why.
REFUSED = {
    "core/property/or-datatypes-001":
        # Oxigraph stores the ill-typed "none"^^xsd:boolean as "false"^^xsd:boolean, which the test file
        # also holds: the store merges two terms of the data
        "which an Oxigraph store keeps as one term",
    "sparql/pre-binding/shapesGraph-001": "does not pre-bind $shapesGraph",
}

#: uniqueLang-002 gives sh:uniqueLang the value "1"^^xsd:boolean and expects no constraint: the
#: parameter is on only for the literal true, as sh:deactivated.
UNIQUE_LANG_ONE = "reads sh:uniqueLang \"1\"^^xsd:boolean as true; the suite expects no constraint (uniqueLang-002)"
PYSHACL_FAILS = {
    "core/property/uniqueLang-002": "pySHACL " + UNIQUE_LANG_ONE,
    "sparql/pre-binding/shapesGraph-001": "pySHACL does not pre-bind $shapesGraph (it raises NotImplementedError)",
}
TURBO_FAILS = {"core/property/uniqueLang-002": "pyshacl-turbo " + UNIQUE_LANG_ONE}


def known(test, fails: dict):
    if test.name in fails:
        return pytest.param(test, marks=pytest.mark.xfail(strict=True, reason=fails[test.name]), id=test.name)
    return pytest.param(test, id=test.name)


def test_the_suite_is_read_whole_and_every_refusal_is_a_test_of_it():
    names = {t.name for t in TESTS}
    assert len(TESTS) == 120 and len(names) == 120
    assert set(REFUSED) <= names and set(PYSHACL_FAILS) <= names and set(TURBO_FAILS) <= names
    assert sum(t.failure for t in TESTS) == 7


@pytest.mark.parametrize("test", TESTS, ids=str)
def test_the_sparql_engine_passes_each_test_it_does_not_refuse(test):
    got = outcome("sparql", test)
    if test.name in REFUSED:
        assert isinstance(got.error, UnsupportedShapeError), difference(test, got)
        assert REFUSED[test.name] in got.message
        assert "pyshacl" in got.message or "SHACL" in got.message  # says what to do, or which rule
    else:
        assert verdict(test, got, "sparql") == "passed", difference(test, got)


@pytest.mark.parametrize("test", [known(t, PYSHACL_FAILS) for t in TESTS])
def test_pyshacl_passes_each_test(test):
    got = outcome("pyshacl", test)
    assert verdict(test, got) == "passed", difference(test, got)


@pytest.mark.skipif(importlib.util.find_spec("pyshacl_turbo") is None, reason="pyshacl-turbo is not installed")
@pytest.mark.parametrize("test", [known(t, TURBO_FAILS) for t in TESTS])
def test_pyshacl_turbo_passes_each_test(test):
    got = outcome("turbo", test)
    assert verdict(test, got) == "passed", difference(test, got)
