"""Reference data generated from pycountry: one node per ISO 3166-1 state.

State IRIs are ``https://w3id.org/kzgraph/id/state/{alpha_3}`` (ISO 3166-1 alpha-3). A few withdrawn
codes of ISO 3166-3 (the Soviet Union, Yugoslavia …) are included because the sources speak of them.
Run ``python -m kzgraph.build.reference_data`` to regenerate ``data/reference/states.ttl``.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pycountry

#: ISO 3166-3 codes of former states that the sources mention.
HISTORIC_ALPHA_3 = ("SUN", "YUG", "CSK", "DDR")

HEADER = """\
# ISO 3166-1 states, generated from pycountry by `python -m kzgraph.build.reference_data`. Do not edit by hand:
# curated alternative names (the German short forms the sources use) live in data/reference/state-names.ttl.
@prefix kz:    <https://w3id.org/kzgraph/ontology#> .
@prefix state: <https://w3id.org/kzgraph/id/state/> .
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
"""


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def states_turtle() -> str:
    """Render every ISO 3166-1 country (and the historic ones above) as kz:State nodes."""
    german = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    german_historic = gettext.translation("iso3166-3", pycountry.LOCALES_DIR, languages=["de"], fallback=True)
    rows = [(c.alpha_3, getattr(c, "common_name", c.name), german.gettext(c.name)) for c in pycountry.countries]
    for code in HISTORIC_ALPHA_3:
        historic = pycountry.historic_countries.get(alpha_3=code)
        assert historic is not None, f"pycountry knows the historic country {code}"
        rows.append((code, historic.name, german_historic.gettext(historic.name)))
    blocks = [HEADER]
    for code, english, german_name in sorted(rows):
        blocks.append(
            f"state:{code} a kz:State ;\n"
            f"    kz:isoCode {_turtle_string(code)} ;\n"
            f"    rdfs:label {_turtle_string(english)}@en , {_turtle_string(german_name)}@de .\n"
        )
    return "\n".join(blocks)


def write_states(path: Path) -> None:
    path.write_text(states_turtle(), encoding="utf-8")


if __name__ == "__main__":
    write_states(Path(__file__).resolve().parents[3] / "data" / "reference" / "states.ttl")
