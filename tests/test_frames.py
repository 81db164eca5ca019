"""Query results in pandas: named columns, Python values and one dtype per column, for every datatype the
data uses; named queries by name with keyword parameters; metrics as tidy frames."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import warnings

import numpy as np
import pandas as pd
import pytest
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD
from rdflib.query import Result

from kzgraph import KZGraph, Settings
from kzgraph.errors import UnknownName, UnknownQueryName, UsageError
from kzgraph.sparql.catalogue import ParameterError
from kzgraph.sparql.frames import Results, column_values, python_value

KZ = "https://w3id.org/kzgraph/ontology#"
ID = "https://w3id.org/kzgraph/id/"

# datatype -> (the pandas dtype of a column of its values, a test of one value)
EXPECTED = {
    str(XSD.string): ("str", lambda v: isinstance(v, str)),
    str(XSD.anyURI): ("str", lambda v: isinstance(v, str) and v.startswith("https://")),
    str(RDF.langString): ("str", lambda v: isinstance(v, str)),
    str(XSD.integer): ("Int64", lambda v: isinstance(v, numbers.Integral)),
    str(XSD.decimal): ("float64", lambda v: isinstance(v, float)),
    str(XSD.double): ("float64", lambda v: isinstance(v, float)),
    str(XSD.boolean): ("boolean", lambda v: isinstance(v, bool | np.bool_)),
    str(XSD.date): ("datetime64", lambda v: isinstance(v, pd.Timestamp)),
    str(XSD.dateTime): ("datetime64", lambda v: isinstance(v, pd.Timestamp)),
    str(XSD.gYear): ("Int64", lambda v: isinstance(v, numbers.Integral) and 1000 <= v <= 2100),
    str(XSD.gYearMonth): ("period[M]", lambda v: isinstance(v, pd.Period) and v.freqstr == "M"),
}


@pytest.fixture(scope="module")
def kg(real_build):
    settings = Settings.load({}, build_dir=real_build.folder.parent, workers=1, max_rows=100_000)
    with KZGraph(settings=settings) as kg:
        yield kg


# --- every datatype of the build -------------------------------------------------------------------------

def test_every_datatype_the_data_uses_converts_to_its_python_value_and_dtype(kg):
    found = kg.frame("SELECT DISTINCT (DATATYPE(?o) AS ?d) WHERE { ?s ?p ?o FILTER isLiteral(?o) }")
    datatypes = set(found["d"])
    assert {str(XSD.integer), str(XSD.gYear), str(XSD.date), str(RDF.langString)} <= datatypes
    unknown = datatypes - set(EXPECTED)
    assert not unknown, f"the data uses datatypes without a tested conversion: {unknown}"
    for datatype in sorted(datatypes):
        dtype, check = EXPECTED[datatype]
        frame = kg.frame(f"SELECT ?o WHERE {{ ?s ?p ?o FILTER(DATATYPE(?o) = <{datatype}>) }} LIMIT 500")
        assert len(frame) > 0, datatype
        got = str(frame["o"].dtype)
        assert (got.startswith("datetime64[") if dtype == "datetime64" else got == dtype), (datatype, got)
        assert all(check(v) for v in frame["o"]), (datatype, [v for v in frame["o"] if not check(v)][:3])
        # the value is the lexical form read as that type
        raw = kg.query(f"SELECT ?o WHERE {{ ?s ?p ?o FILTER(DATATYPE(?o) = <{datatype}>) }} LIMIT 500")
        for term, value in zip((row.o for row in raw), frame["o"], strict=True):
            assert _same(term, value), (datatype, term, value)


def _same(term: Literal, value: object) -> bool:
    text = str(term)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() == text[:10]
    if isinstance(value, pd.Period):
        return str(value) == text[:7]
    if isinstance(value, bool | np.bool_):
        return bool(value) == (text in ("true", "1"))
    if isinstance(value, float):
        return math.isclose(value, float(text))
    if isinstance(value, numbers.Integral):
        return value == int(text[:4] if term.datatype == XSD.gYear else text)
    return value == text


def test_language_tagged_literals_in_every_language_are_text(kg):
    frame = kg.frame("SELECT ?label (LANG(?label) AS ?lang) WHERE { ?s ?p ?label FILTER(LANG(?label) != '') }")
    assert {"en", "de"} <= set(frame["lang"])
    assert str(frame["label"].dtype) == "str" and all(isinstance(v, str) for v in frame["label"])


def test_iris_are_text_and_unbound_values_are_missing(kg):
    frame = kg.frame("SELECT ?s ?end WHERE { ?s a kz:Membership OPTIONAL { ?s kz:endDate ?end } }")
    assert all(isinstance(v, str) and v.startswith(ID) for v in frame["s"])
    assert frame["end"].isna().any()


def test_years_become_periods_on_request(kg):
    frame = kg.query("SELECT ?y WHERE { ?s ?p ?y FILTER(DATATYPE(?y) = xsd:gYear) } LIMIT 20").to_frame(
        years="period")
    assert str(frame["y"].dtype) == "period[Y-DEC]"
    with pytest.raises(UsageError, match="years='decade'"):
        kg.query("ASK { ?s ?p ?o }").to_frame(years="decade")  # type: ignore[arg-type]


def test_dates_of_mixed_precision_stay_as_they_are_or_become_their_first_day_on_request(kg):
    query = """SELECT ?m ?start WHERE { ?m a kz:Membership ; kz:startDate ?start }"""
    as_they_are = kg.frame(query)
    kinds = {type(v) for v in as_they_are["start"]}
    assert {int, pd.Timestamp} <= kinds and as_they_are["start"].dtype == object  # years beside days
    first_days = kg.frame(query, years="start")
    assert str(first_days["start"].dtype).startswith("datetime64[")
    for before, after in zip(as_they_are["start"], first_days["start"], strict=True):
        if isinstance(before, int):
            assert after == pd.Timestamp(year=before, month=1, day=1)
        elif isinstance(before, pd.Period):
            assert after == before.start_time
        else:
            assert after == before
    assert python_value(Literal("1994-12", datatype=XSD.gYearMonth), years="start") == pd.Timestamp("1994-12-01")


# --- conversions, one by one ------------------------------------------------------------------------------

@pytest.mark.parametrize("term, value", [
    (URIRef(f"{ID}state/KAZ"), f"{ID}state/KAZ"),
    (BNode("b0"), "_:b0"),
    (Literal("Kasachstan", lang="de"), "Kasachstan"),
    (Literal("x"), "x"),
    (Literal("42", datatype=XSD.integer), 42),
    (Literal("-7", datatype=XSD.int), -7),
    (Literal("2.50", datatype=XSD.decimal), 2.5),
    (Literal("1E3", datatype=XSD.double), 1000.0),
    (Literal("INF", datatype=XSD.double), math.inf),
    (Literal("true", datatype=XSD.boolean), True),
    (Literal("0", datatype=XSD.boolean), False),
    (Literal("2014", datatype=XSD.gYear), 2014),
    (Literal("1994-12", datatype=XSD.gYearMonth), pd.Period("1994-12", freq="M")),
    (Literal("1992-05-15", datatype=XSD.date), pd.Timestamp("1992-05-15")),
    (Literal("1992-05-15T10:30:00", datatype=XSD.dateTime), pd.Timestamp("1992-05-15 10:30")),
    (Literal("P1Y", datatype=XSD.duration), "P1Y"),  # no pandas counterpart: the lexical form
    (Literal("many", datatype=XSD.integer), "many"),  # ill-typed: the lexical form as written
    (Literal("1994-13", datatype=XSD.gYearMonth), "1994-13"),
    (None, None),
])
def test_a_term_becomes_its_python_value(term, value):
    assert python_value(term) == value
    assert type(python_value(term)) is type(value)


def test_a_column_gets_the_dtype_of_its_kind_and_mixed_kinds_stay_objects():
    assert str(column_values([1, None, 3]).dtype) == "Int64"
    assert str(column_values([1, 2.5]).dtype) == "float64"
    assert str(column_values([True, None]).dtype) == "boolean"
    assert str(column_values([pd.Timestamp("2001-01-01"), None]).dtype).startswith("datetime64")
    assert str(column_values([pd.Period("2001-01", freq="M"), None]).dtype) == "period[M]"
    mixed = column_values([2001, pd.Timestamp("2001-05-01")])
    assert mixed.dtype == object and list(mixed) == [2001, pd.Timestamp("2001-05-01")]
    assert column_values([2**70]).dtype == object  # past Int64: Python ints
    assert column_values([None, None]).isna().all()


# --- the result object ------------------------------------------------------------------------------------

def test_pandas_keeps_the_column_names_of_a_result(kg):
    result = kg.query("SELECT ?member ?org WHERE { ?member kz:memberOf ?org } LIMIT 5")
    frame = pd.DataFrame(result)
    assert list(frame.columns) == ["member", "org"] and len(frame) == 5
    assert list(result.to_frame().columns) == ["member", "org"]
    row = next(iter(result))
    assert row.org == row["org"] == row[1]  # still rdflib rows


def test_an_empty_result_is_a_frame_with_its_columns(kg):
    frame = kg.frame("SELECT ?a ?b WHERE { ?a kz:noSuchProperty ?b }")
    assert list(frame.columns) == ["a", "b"] and len(frame) == 0


def test_ask_and_construct_results_convert_too(kg):
    assert kg.frame("ASK { state:KAZ kz:memberOf ?o }").to_dict("list") == {"ask": [True]}
    triples = kg.frame("CONSTRUCT { state:KAZ kz:memberOf ?o } WHERE { state:KAZ kz:memberOf ?o }")
    assert list(triples.columns) == ["subject", "predicate", "object"]
    assert set(triples["subject"]) == {f"{ID}state/KAZ"} and len(triples) > 3


def test_a_result_cut_at_the_row_limit_warns_and_says_so(real_build):
    settings = Settings.load({}, build_dir=real_build.folder.parent, workers=1, max_rows=3)
    with KZGraph(settings=settings) as kg:
        result = kg.query("SELECT ?s WHERE { ?s ?p ?o }")
        with pytest.warns(UserWarning, match="cut at the row limit after 3 rows"):
            frame = result.to_frame()
        assert frame.attrs["truncated"] is True and len(frame) == 3
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert kg.frame("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2").attrs["truncated"] is False


def test_results_wraps_any_rdflib_result_and_keeps_rows_without_bindings():
    result = Result("SELECT")
    result.vars = [Variable("x"), Variable("y")]
    result.bindings = [{Variable("x"): Literal(1)}, {}]
    wrapped = Results.of(result)
    assert len(wrapped) == 2
    column = wrapped.to_frame()["x"]
    assert str(column.dtype) == "Int64" and column[0] == 1 and column.isna().tolist() == [False, True]
    assert wrapped.records() == [{"x": 1, "y": None}, {"x": None, "y": None}]


# --- named queries ----------------------------------------------------------------------------------------

def test_named_queries_are_called_by_name_with_keyword_parameters(kg):
    by_attribute = kg.queries.memberships_over_time(state="UZB").to_frame()
    by_name = kg.named("memberships-over-time", state="state:UZB").to_frame()
    by_item = kg.queries["memberships-over-time"](state=f"{ID}state/UZB").to_frame()
    assert by_attribute.equals(by_name) and by_name.equals(by_item)
    assert f"{ID}membership/uzb-csto-member-2006" in set(by_name["membership"])
    assert f"{ID}membership/kaz-csto-founding-member-1992" not in set(by_name["membership"])
    assert kg.frame("memberships-over-time", state="UZB").equals(by_name)
    assert "memberships_over_time" in dir(kg.queries)
    assert "Memberships" in (kg.queries.memberships_over_time.__doc__ or "")


def test_parameters_take_python_values(kg):
    by_int = kg.queries.agreements_by_year(from_year=2000, to_year=2005).to_frame()
    by_text = kg.queries.agreements_by_year(from_year="2000", to_year="2005").to_frame()
    assert by_int.equals(by_text)
    with pytest.raises(UsageError, match="give text, a number, a date or an IRI"):
        kg.queries.agreements_by_year(from_year=[2000])


def test_unknown_names_and_parameters_name_the_closest(kg):
    with pytest.raises(UnknownQueryName, match="did you mean 'memberships_over_time'"):
        kg.queries.membership_over_time  # noqa: B018
    with pytest.raises(UnknownQueryName, match="did you mean 'leases'"):
        kg.named("lease")
    with pytest.raises(ParameterError, match="no parameter 'stat'; did you mean 'state'") as caught:
        kg.queries.memberships_over_time(stat="UZB")
    assert caught.value.exit_code == 2
    with pytest.raises(ParameterError, match="'state'"):
        kg.queries.memberships_over_time(state="Uzbekistan")


# --- metrics as tidy frames -------------------------------------------------------------------------------

def test_metrics_frame_is_tidy_with_int_years_and_the_period_rows_apart(kg):
    rows = kg.metrics("KAZ", 2010, 2012)
    tidy = kg.metrics_frame("KAZ", 2010, 2012)
    assert list(tidy.columns) == ["state", "year", "measure", "value"]
    assert str(tidy["year"].dtype) == "Int64" and set(tidy["year"]) == {2010, 2011, 2012}
    assert str(tidy["value"].dtype) == "float64"
    assert not tidy.duplicated(["state", "year", "measure"]).any()
    by_year = {r["year"]: r for r in rows if isinstance(r["year"], int)}
    for measure in ("facts", "ties", "balance", "arms_facts"):
        for year in (2010, 2011, 2012):
            value = tidy.query("year == @year and measure == @measure")["value"].item()
            expected = by_year[year][measure]
            assert (math.isnan(value) and expected is None) or value == pytest.approx(expected)
    period = kg.metrics_frame("KAZ", 2010, 2012, period=True)
    assert list(period.columns) == ["state", "period", "measure", "value"]
    assert set(period["period"]) == {"2010-2012"}
    facts = period.query("measure == 'facts'")["value"].item()
    assert facts == next(r for r in rows if r["year"] == "2010-2012")["facts"]
    assert "top_vector" not in set(tidy["measure"]) and "fact_iris" not in set(tidy["measure"])


def test_metrics_frame_of_several_states_and_as_of(kg):
    tidy = kg.metrics_frame("KAZ,UZB", 2011, 2011)
    assert set(tidy["state"]) == {"KAZ", "UZB"}
    assert set(kg.metrics_frame("KAZ", as_of="2014-05-01")["period"]) == {"as of 2014"}


def test_metrics_refuse_dates_that_do_not_exist_and_unknown_states(kg):
    for bad in ("2014-13-01", "2014-02-30", "20xx"):
        with pytest.raises(UsageError, match="not a date or year"):
            kg.metrics("KAZ", as_of=bad)
    with pytest.raises(UnknownName, match="did you mean 'KAZ'"):
        kg.metrics("KZA")
    assert kg.metrics("KAZ", as_of=dt.date(2014, 5, 1))[0]["year"] == "as of 2014"
