"""The settings are declared once: the command line's options, the environment variables and the table of
docs/settings.md all come from kzgraph.settings.Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzgraph.errors import UsageError
from kzgraph.settings import Settings, settings_markdown

from .helpers import kzgraph

ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_table_is_the_one_the_settings_make():
    assert settings_markdown() in (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")


def test_a_value_comes_from_the_option_else_the_environment_else_the_default():
    environment = {"KZGRAPH_TIMEOUT": "5", "KZGRAPH_WORKERS": "3"}
    settings = Settings.load(environment, workers=4)
    assert (settings.timeout, settings.workers, settings.max_rows) == (5.0, 4, 10_000)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("on", True),
                                                  ("0", False), ("false", False), ("No", False), ("off", False)])
def test_a_switch_reads_yes_and_no_from_the_environment(value, expected):
    assert Settings.load({"KZGRAPH_ACCESS_LOG": value}).access_log is expected


def test_a_switch_given_false_wins_over_the_environment():
    assert Settings.load({"KZGRAPH_ACCESS_LOG": "1"}, access_log=False).access_log is False
    assert Settings().access_log is False


@pytest.mark.parametrize(("environment", "message"), [
    ({"KZGRAPH_ACCESS_LOG": "maybe"}, "KZGRAPH_ACCESS_LOG: 'maybe' is not a valid value"),
    ({"KZGRAPH_TIMEOUT": "soon"}, "KZGRAPH_TIMEOUT: 'soon' is not a valid value"),
    ({"KZGRAPH_WORKERS": "0"}, "KZGRAPH_WORKERS: '0' is below the smallest value allowed, 1"),
])
def test_a_bad_value_is_a_usage_error_that_names_where_it_came_from(environment, message):
    with pytest.raises(UsageError, match=message):
        Settings.load(environment)


def test_every_setting_with_a_flag_is_an_option_of_serve_or_query(tmp_path):
    serve = kzgraph("serve", "--help", build_dir=tmp_path).stdout
    query = kzgraph("query", "--help", build_dir=tmp_path).stdout
    build = kzgraph("build", "--help", build_dir=tmp_path).stdout
    flags = {f.metadata["cli"] for f in Settings.fields() if f.metadata.get("cli")}
    assert flags and all(flag in serve + query + build for flag in flags)


def test_a_bad_environment_value_exits_2_without_a_traceback(tmp_path):
    result = kzgraph("query", "ASK {}", build_dir=tmp_path, KZGRAPH_TIMEOUT="never")
    assert result.returncode == 2 and "KZGRAPH_TIMEOUT" in result.stderr and "Traceback" not in result.stderr
