"""The worked queries of the researcher's guide (docs/research-guide.md) and of the data model
(docs/data-model.md) run on the real data as they stand, with the predeclared prefixes, and answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def worked_queries(name: str) -> list[str]:
    """The ```sparql blocks of a page, but sketches that leave parts out (…)."""
    blocks = re.findall(r"```sparql\n(.*?)```", (DOCS / name).read_text(encoding="utf-8"), re.S)
    return [block for block in blocks if "…" not in block]


GUIDE = worked_queries("research-guide.md")
MODEL = worked_queries("data-model.md")


def test_the_guide_has_a_worked_query_for_each_kind_of_question():
    headings = re.findall(r"^## (.+)$", (DOCS / "research-guide.md").read_text(encoding="utf-8"), re.M)
    assert len(headings) >= 8 and len(GUIDE) >= 12


@pytest.mark.parametrize("query", GUIDE + MODEL, ids=[f"guide-{n}" for n in range(len(GUIDE))]
                         + [f"data-model-{n}" for n in range(len(MODEL))])
def test_a_worked_query_answers_on_the_real_data(real_graph, query):
    answer = list(real_graph.query(query))
    assert answer, f"no rows for:\n{query}"
