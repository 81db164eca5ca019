"""How long the web pages take on the last build, over HTTP on a local uvicorn server (not part of the tests).

    KZGRAPH_BUILD=... python benchmarks/bench_pages.py [--repeat N]

Each page is timed from request to last byte (best of N) and reported in milliseconds and as a multiple of
the baseline of the same run: ``DESCRIBE <iri>`` on the store, in process, for the same resource (for
pages that are not one resource, the DESCRIBE of Kazakhstan). The ratio says what the page adds to the one
query that the RDF formats need.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
from timing import timings  # benchmarks/timing.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers import serving

from kzgraph.build.pipeline import open_build
from kzgraph.endpoint.app import create_app
from kzgraph.namespaces import BASE

HTML = {"accept": "text/html"}
TURTLE = {"accept": "text/turtle"}
CASES = [
    ("state:KAZ page (1000+ incoming links)", "/id/state/KAZ", HTML),
    ("state:KAZ Turtle", "/id/state/KAZ", TURTLE),
    ("io:CSTO page", "/id/org/CSTO", HTML),
    ("fact page (3 citations)", "/id/membership/kaz-pfp-partner-1995", HTML),
    ("fact Turtle", "/id/membership/kaz-pfp-partner-1995", TURTLE),
    ("source document page (1700 incoming)", "/id/source/dissertation-diversification", HTML),
    ("unknown IRI (404 page)", "/id/state/XYZ", HTML),
    ("ontology page", "/ontology", HTML),
    ("ontology Turtle", "/ontology", TURTLE),
    ("named graph page", "/graph/data/dissertation/ch4-csto", HTML),
    ("VoID page", "/dataset", HTML),
    ("query page with catalogue examples", "/", HTML),
    ("named query memberships-over-time, page", "/queries/memberships-over-time", HTML),
    ("named query memberships-over-time, JSON", "/queries/memberships-over-time", {}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kg = open_build()
    with serving(create_app(kg)) as url, httpx.Client(timeout=120) as client:
        print(f"{'page':<44} {'ms':>8} {'× DESCRIBE':>11}")
        baselines = {}  # DESCRIBE of the IRI, measured once per IRI
        for label, path, headers in CASES:
            iri = BASE + path.lstrip("/") if path.startswith("/id/") else BASE + "id/state/KAZ"
            if iri not in baselines:
                baselines[iri] = min(timings(lambda iri=iri: len(kg.query(f"DESCRIBE <{iri}>").graph), args.repeat))
            baseline = baselines[iri]

            def fetch(path=path, headers=headers):
                answer = client.get(url + path, headers=headers)
                assert answer.status_code in (200, 404), (path, answer.status_code)

            seconds = min(timings(fetch, args.repeat))
            print(f"{label:<44} {seconds * 1000:8.1f} {seconds / baseline:11.1f}")


if __name__ == "__main__":
    main()
