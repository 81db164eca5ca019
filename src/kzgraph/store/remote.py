"""Remote SPARQL 1.1 stores behind the kzgraph API, queried through SPARQLWrapper.

:class:`Endpoint` is the client side of the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/):
queries (section 2.1) and updates (section 2.2) sent by POST with URL-encoded parameters, optional HTTP
basic or digest authentication (RFC 7617, RFC 7616) or a bearer token (RFC 6750), and every failure turned
into a :class:`~kzgraph.errors.StoreError` (the store cannot be reached or refuses us) or a
:class:`~kzgraph.errors.QueryError` (the store rejected or failed on the request), naming the URL.

:class:`RemoteKnowledgeGraph` has the query interface of :class:`~kzgraph.store.local.KnowledgeGraph`. Its
default graph is kzgraph's: the union of kzgraph's named graphs (those whose IRI starts with
``https://w3id.org/kzgraph/graph/``), whatever else the store holds. Stores disagree on their own default
graph (Oxigraph's is a graph of its own, Virtuoso's the union of all its graphs, system graphs included), so
every query names the dataset explicitly (Protocol section 2.1.4): each kzgraph graph is sent both as a
``default-graph-uri`` and as a ``named-graph-uri``. A store that holds no kzgraph graph is queried as it is.

Results are read from the SPARQL 1.1 Query Results JSON Format (https://www.w3.org/TR/sparql11-results-json/)
by rdflib's parser, so typed literals, language tags, blank nodes and unbound variables come back as the
same rdflib terms as from the embedded store; graphs (CONSTRUCT, DESCRIBE) are asked for as Turtle.
Two readings make the terms those of the embedded store (:func:`as_local_term`): IRIs under
``https://w3id.org/kzgraph/.well-known/genid/`` are Skolem IRIs (RDF 1.1 Concepts, section 3.5) that
``kzgraph push`` minted for blank nodes, and turn back into blank nodes; a literal without
language tag and datatype is an ``xsd:string`` literal (RDF 1.1 Concepts, section 3.3).
"""

from __future__ import annotations

import ast
import http.client
import io
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar, cast

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result, ResultRow
from rdflib.term import Identifier, Node
from SPARQLWrapper import BASIC, DIGEST, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from kzgraph.errors import QueryError, StoreError
from kzgraph.namespaces import BASE, GRAPH, PREFIXES
from kzgraph.store.terms import sparql_term

if TYPE_CHECKING:
    import httpx

GRAPH_PREFIX = str(GRAPH)
SKOLEM_PREFIX = BASE + ".well-known/genid/"
AUTH_SCHEMES = ("basic", "digest")
DEFAULT_TIMEOUT = 120.0
ENV_USER, ENV_PASSWORD, ENV_TOKEN, ENV_AUTH = ("KZGRAPH_STORE_USER", "KZGRAPH_STORE_PASSWORD",
                                              "KZGRAPH_STORE_TOKEN", "KZGRAPH_STORE_AUTH")
DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
VIRTUOSO_ASK = "__ASK_RETVAL"
_Term = TypeVar("_Term", bound=Node)


class RemoteTimeout(StoreError):
    """The store did not answer within the client's timeout."""


def is_remote(store: object) -> bool:
    """True when ``store`` names a remote SPARQL store (an http or https URL)."""
    return isinstance(store, str) and re.match(r"https?://", store, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: HTTP basic or digest with a user and password, or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    scheme: str = "basic"

    def __post_init__(self) -> None:
        if self.scheme not in AUTH_SCHEMES:
            raise ValueError(f"unknown authentication {self.scheme!r}; choose one of {', '.join(AUTH_SCHEMES)}")
        if (self.user is None) != (self.password is None):
            raise ValueError("give both a user and a password, or neither")
        if self.token and self.user:
            raise ValueError("give a user and password or a token, not both")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Credentials:
        """Credentials from ``KZGRAPH_STORE_USER``/``_PASSWORD``/``_AUTH`` (basic or digest) or ``_TOKEN``."""
        return cls(environ.get(ENV_USER) or None, environ.get(ENV_PASSWORD) or None,
                   environ.get(ENV_TOKEN) or None, environ.get(ENV_AUTH) or "basic")

    def httpx_auth(self) -> httpx.Auth | None:
        """The same credentials for httpx (the Graph Store Protocol client), or None."""
        import httpx

        if self.user is None or self.password is None:  # both or neither (see __post_init__)
            return None
        return (httpx.DigestAuth if self.scheme == "digest" else httpx.BasicAuth)(self.user, self.password)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class Endpoint:
    """A SPARQL 1.1 service: the query URL, the update URL (the query URL unless given), credentials and a
    timeout in seconds. Each request gets a fresh SPARQLWrapper, so an Endpoint can serve several threads."""

    def __init__(self, url: str, update_url: str | None = None, credentials: Credentials | None = None,
                 timeout: float = DEFAULT_TIMEOUT):
        for what in (url, update_url):
            if what is not None and not is_remote(what):
                raise StoreError(f"{what!r} is not the http(s) URL of a SPARQL endpoint")
        self.url = url
        self.update_url = update_url or url
        self.credentials = credentials or Credentials()
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r})"

    def _client(self, text: str, return_format: str) -> SPARQLWrapper:
        client = SPARQLWrapper(self.url, updateEndpoint=self.update_url, returnFormat=return_format)
        client.setMethod(POST)
        client.setOnlyConneg(True)
        # SPARQLWrapper annotates the timeout as an int; it hands it to urlopen, which takes any seconds
        client.setTimeout(self.timeout)  # type: ignore[arg-type]
        client.setQuery(text)
        if self.credentials.user is not None:
            client.setCredentials(self.credentials.user, self.credentials.password)
            client.setHTTPAuth(DIGEST if self.credentials.scheme == "digest" else BASIC)
        for header, value in self.credentials.headers().items():
            client.addCustomHttpHeader(header, value)
        return client

    def request(self, text: str, *, graph: bool = False, default_graphs: Iterable[str] = (),
                named_graphs: Iterable[str] = ()) -> bytes:
        """Send a query; return the body of the answer (SPARQL JSON results, or Turtle when ``graph``)."""
        client = self._client(text, TURTLE if graph else JSON)
        for iri in default_graphs:
            client.addDefaultGraph(iri)
        for iri in named_graphs:
            client.addNamedGraph(iri)
        with self._errors("query", self.url):
            body: bytes = client.query().response.read()
            return body

    def update(self, text: str) -> None:
        """Send a SPARQL 1.1 Update request to the update URL."""
        client = self._client(text, JSON)
        if not client.isSparqlUpdateRequest():
            raise QueryError(f"not a SPARQL Update request: {text[:80]!r}")
        with self._errors("update", self.update_url):
            client.query().response.read()

    def select(self, text: str, *, default_graphs: Iterable[str] = (), named_graphs: Iterable[str] = ()) -> Result:
        body = self.request(text, default_graphs=default_graphs, named_graphs=named_graphs)
        return Result.parse(io.BytesIO(body), format="json")

    @contextmanager
    def _errors(self, what: str, url: str) -> Iterator[None]:
        """Turn what urllib and SPARQLWrapper raise into kzgraph errors that name the URL."""
        try:
            yield
        except Unauthorized:
            raise StoreError(f"{url} refused the credentials (HTTP 401); give a user and password "
                             "(or a token) that the store accepts") from None
        except EndPointNotFound:
            raise StoreError(f"{url}: no SPARQL endpoint at this URL (HTTP 404)") from None
        except URITooLong:
            raise QueryError(f"{url} rejected the {what} as too long (HTTP 414)") from None
        except QueryBadFormed as error:
            raise QueryError(f"{url} rejected the {what} (HTTP 400): {_detail(error)}") from None
        except EndPointInternalError as error:
            raise QueryError(f"{url} failed on the {what} (HTTP 500): {_detail(error)}") from None
        except urllib.error.HTTPError as error:
            body = _detail(error)
            if error.code == 403:
                raise StoreError(f"{url} does not allow this {what} (HTTP 403): {body}") from None
            if error.code >= 500:
                raise StoreError(f"{url} is not available (HTTP {error.code}): {body}") from None
            raise QueryError(f"{url} rejected the {what} (HTTP {error.code}): {body}") from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError
                raise RemoteTimeout(f"{url} did not answer within {self.timeout:g} s") from None
            raise StoreError(f"cannot reach the SPARQL store at {url}: {reason}") from None
        except TimeoutError:  # socket.timeout is TimeoutError
            raise RemoteTimeout(f"{url} did not answer within {self.timeout:g} s") from None
        except (ConnectionError, http.client.HTTPException) as error:
            raise StoreError(f"the connection to {url} failed: {error or type(error).__name__}") from None
        except SPARQLWrapperException as error:
            raise QueryError(f"{url}: {error}") from None
        finally:
            if self.credentials.scheme == "digest":
                urllib.request.install_opener(None)  # SPARQLWrapper installs its digest handler process-wide


def _detail(error: Exception) -> str:
    """The store's own explanation, from the body of its error answer, on one line and not too long."""
    body: object = None
    if isinstance(error, SPARQLWrapperException) and "Response:\n" in str(error):
        try:  # SPARQLWrapper keeps the body only as the repr of bytes at the end of its message
            body = ast.literal_eval(str(error).split("Response:\n", 1)[1].strip())
        except (ValueError, SyntaxError):
            body = str(error).split("Response:\n", 1)[1]
    elif hasattr(error, "read"):
        try:
            body = error.read()
        except Exception:  # the body is a courtesy; the status says enough
            body = b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    text = " ".join(text.split())
    return (text[:600] + " …") if len(text) > 600 else (text or "no explanation given")


@lru_cache(maxsize=1)
def predeclared_prefixes() -> tuple[tuple[str, str], ...]:
    """The prefixes a query may use without declaring them: rdflib's defaults and the project's own, as on
    the embedded store."""
    dataset = Dataset()
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    return tuple((prefix, str(namespace)) for prefix, namespace in dataset.namespace_manager.namespaces()
                 if prefix)


def with_prologue(sparql: str) -> str:
    """The query with PREFIX declarations for the predeclared prefixes it does not declare itself."""
    declared = {match.group(1) or "" for match in DECLARED_PREFIX.finditer(sparql)}
    lines = [f"PREFIX {prefix}: <{namespace}>" for prefix, namespace in predeclared_prefixes()
             if prefix not in declared]
    return "\n".join([*lines, sparql])


def with_values(sparql: str, bindings: Mapping[str, Identifier]) -> str:
    """Bindings sent as a trailing VALUES clause (SPARQL 1.1 Query, section 10.2.2)."""
    if not bindings:
        return sparql
    names = " ".join(f"?{str(name).lstrip('?')}" for name in bindings)
    values = " ".join(sparql_term(term) for term in bindings.values())
    return f"{sparql}\nVALUES ({names}) {{ ({values}) }}"


def as_local_term(term: _Term) -> _Term | BNode | Literal:
    """A term of a remote answer as the embedded store gives it.

    A Skolem IRI minted by ``kzgraph push`` becomes the blank node it stands for; a literal
    with neither language tag nor datatype becomes an ``xsd:string`` literal, which it is in RDF 1.1
    (RDF 1.1 Concepts, section 3.3: simple literals are xsd:string), and as which Oxigraph's engine returns it.
    """
    if isinstance(term, URIRef) and term.startswith(SKOLEM_PREFIX):
        return BNode(term[len(SKOLEM_PREFIX):])
    if isinstance(term, Literal) and term.datatype is None and term.language is None:
        return Literal(str(term), datatype=XSD.string)
    return term


class RemoteKnowledgeGraph:
    """kzgraph's graphs in a remote SPARQL 1.1 store, with the query interface of the embedded store."""

    backend = "remote"

    def __init__(self, endpoint: Endpoint, sizes: Mapping[str, int] | None = None):
        """``sizes``: the triples per kzgraph graph if already known, else asked of the store."""
        self.endpoint = endpoint
        self.location = endpoint.url
        self.sizes = graph_sizes(endpoint) if sizes is None else dict(sizes)

    @property
    def graphs(self) -> list[str]:
        """The kzgraph graphs in the store (found when the store was opened)."""
        return sorted(self.sizes)

    def __len__(self) -> int:
        return sum(self.sizes.values())

    def __enter__(self) -> RemoteKnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteKnowledgeGraph({self.endpoint.url!r}, {len(self.sizes)} graphs)"

    def is_empty(self) -> bool:
        return not self.sizes

    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None, *,
              default_graphs: Iterable[str] | None = None, named_graphs: Iterable[str] | None = None) -> Result:
        """Evaluate a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE) over kzgraph's graphs.

        ``default_graphs`` / ``named_graphs`` narrow the dataset to some of kzgraph's graphs (Protocol
        section 2.1.4); by default the dataset is all of them, as default and as named graphs.
        """
        text = with_values(with_prologue(sparql), dict(bindings or {}))
        form = SPARQLWrapper(self.endpoint.url)
        form.setQuery(text)
        if form.isSparqlUpdateRequest():
            raise QueryError("a knowledge graph answers queries only; updates go through `kzgraph push`")
        default = self.graphs if default_graphs is None else list(default_graphs)
        named = self.graphs if named_graphs is None else list(named_graphs)
        body = self.endpoint.request(text, graph=form.queryType in GRAPH_FORMS, default_graphs=default,
                                     named_graphs=named)
        if form.queryType in GRAPH_FORMS:
            return _graph_result(form.queryType, body, self.endpoint.url)
        result = _results(body, self.endpoint.url)
        if form.queryType == "ASK" and result.type != "ASK":
            return _ask_from_rows(result, self.endpoint.url)
        return result

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""


def _results(body: bytes, url: str) -> Result:
    try:
        result = Result.parse(io.BytesIO(body), format="json")
    except (ValueError, KeyError, TypeError) as error:
        raise QueryError(f"{url} answered with something that is not SPARQL JSON results: {error}") from None
    if result.type == "SELECT":
        result.bindings = [{var: as_local_term(term) for var, term in row.items()} for row in result.bindings]
    return result


def _ask_from_rows(result: Result, url: str) -> Result:
    """An ASK answered as a result set, as Virtuoso 7.2 does (one variable ``__ASK_RETVAL``, one row of
    1 or 0, instead of the JSON ``boolean`` of SPARQL 1.1 Query Results JSON section 3), read as a boolean."""
    rows = [cast(ResultRow, row) for row in result]
    if [str(var) for var in result.vars or []] != [VIRTUOSO_ASK] or len(rows) > 1:
        raise QueryError(f"{url} answered an ASK query with a result set instead of a boolean")
    answer = Result("ASK")
    value = rows[0][0] if rows else None
    answer.askAnswer = isinstance(value, Literal | URIRef | BNode) and value.toPython() not in (0, False, "0")
    return answer


def _graph_result(form: str, body: bytes, url: str) -> Result:
    graph = Graph()
    try:
        graph.parse(data=body, format="turtle")
    except Exception as error:  # rdflib raises several parser exception types
        raise QueryError(f"{url} answered with a graph that is not Turtle: {error}") from None
    result = Result(form)
    local = Graph()
    local.addN((as_local_term(s), p, as_local_term(o), local) for s, p, o in graph)
    for prefix, namespace in PREFIXES.items():
        local.bind(prefix, namespace)
    result.graph = local
    return result


def graph_sizes(endpoint: Endpoint, prefix: str = GRAPH_PREFIX) -> dict[str, int]:
    """The number of triples in each named graph of the store whose IRI starts with ``prefix``."""
    sparql = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
              f"FILTER(STRSTARTS(STR(?g), {json.dumps(prefix)})) }} GROUP BY ?g")
    try:
        rows = endpoint.select(sparql)
    except QueryError as error:
        raise StoreError(f"cannot list the graphs of {endpoint.url}: {error}") from None
    return {str(row["g"]): int(row["n"]) for row in (cast(ResultRow, row) for row in rows)}
