"""Full downloads of query answers, streamed from the worker that evaluates them.

* ``GET /sparql/download?query=…&format=csv`` (with ``default-graph-uri`` / ``named-graph-uri`` as at
  ``/sparql``): a query's whole answer;
* ``GET /queries/{name}/download?param=value…&format=csv``: a named query's, its parameters bound as at
  ``/queries/{name}``.

``/sparql`` cuts an answer at the endpoint's row limit (``--max-rows``); a download does not: it gives every
row, in SPARQL JSON, XML, CSV or TSV (SELECT; JSON or XML for ASK) or in Turtle or N-Triples (CONSTRUCT and
DESCRIBE), as an attachment. The other limits still apply: the byte limit for one answer
(``Limits.max_result_bytes``) ends it after the last whole row within it, and the time limit (``--timeout``)
bounds the whole download; downloads take the slow lane of the worker pool (one worker is always left to
other queries). The server holds one piece of the answer (64 KiB) at a time, whatever its length.

Where a download is cut, it says so. An answer that ends within the first 256 KiB is sent whole, with
``Content-Length``, its row count in ``X-Kzgraph-Rows`` and, if a limit cut it, ``X-Kzgraph-Truncated: true``
and the reason in ``X-Kzgraph-Cut``. A longer answer is streamed; if a limit stops it, its end says so:
``"truncated": true`` and ``"cut": "…"`` in SPARQL JSON, a comment in XML, Turtle and N-Triples. CSV and TSV
have no room for a note, so a cut answer in them, short or long, is left unfinished (the connection closes
before the end of the chunked body; a short one still has the headers above): a client, a browser too, sees a
failed download, never a short file that looks whole. A remote store
(``--store`` an endpoint) is not streamed: its download is the row-limited answer of ``/sparql``, with the
same headers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Send

from kzgraph.endpoint.http import endpoint_url, settings
from kzgraph.endpoint.routes.catalogue import get_catalogue, parameters
from kzgraph.errors import NotAcceptable, ProtocolError, UnknownQueryName
from kzgraph.service.guarded import AnswerStream, GuardedStore
from kzgraph.sparql.catalogue import NamedQuery
from kzgraph.sparql.evaluation import query_form
from kzgraph.sparql.media_types import content_type, negotiate
from kzgraph.sparql.serialization import STREAM_TYPES

router = APIRouter(tags=["downloads"])

#: Bytes of an answer held before the response starts: an answer that ends within them is sent whole, its
#: row count and any cut in the headers.
BUFFER = 256 * 1024
#: The headers a download adds to those of /sparql (exposed to scripts of other origins).
HEADERS = ("X-Kzgraph-Rows", "X-Kzgraph-Cut", "X-Kzgraph-Streamed", "X-Kzgraph-Byte-Limit", "X-Kzgraph-Time-Limit",
           "Content-Disposition")
EXTENSIONS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
              "text/csv": "csv", "text/tab-separated-values": "tsv", "text/turtle": "ttl",
              "application/n-triples": "nt"}


def download_media(request: Request, form: str | None) -> dict[str, str]:
    """The media type to stream each form of query in (``format=``, else Accept), among
    :data:`~kzgraph.sparql.serialization.STREAM_TYPES`; 406 when the query's form (or every form) has none."""
    names = [name.strip() for value in request.query_params.getlist("format") for name in value.split(",")]
    names = [name for name in names if name]
    media: dict[str, str] = {}
    candidates: list[str | None] = [*names] or [None]
    for each, offered in STREAM_TYPES.items():
        for name in candidates:
            try:
                media[each] = negotiate(request.headers.get("accept") if name is None else None, name, offered)
                break
            except NotAcceptable:
                continue
    if not media or (form is not None and form not in media):
        asked = ", ".join(names) if names else request.headers.get("accept")
        offered = STREAM_TYPES.get(form or "", tuple({t: 0 for ts in STREAM_TYPES.values() for t in ts}))
        raise NotAcceptable(f"a download of {'a ' + form + ' query' if form else 'a query'} is not offered in "
                            f"{asked}; offered: {', '.join(offered)}")
    return media


def _header(text: str) -> str:
    """Words fit for an HTTP header (Latin-1, one line)."""
    return " ".join(text.split()).encode("latin-1", "replace").decode("latin-1")


class DownloadResponse(StreamingResponse):
    """A streamed answer whose body is left unfinished when ``stream`` was cut and its format cannot say so."""

    def __init__(self, content: AsyncIterator[bytes], stream: AnswerStream, headers: dict[str, str]):
        super().__init__(content, media_type=content_type(stream.media), headers=headers)
        self.stream = stream

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if self.stream.cut is None or self.stream.tail() is not None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        # else: no end of the body; the server closes the connection and the client sees the download fail


async def answer(request: Request, text: str, default_graphs: list[str], named_graphs: list[str],
                 filename: str) -> Response:
    """A query's whole answer as a download (see the module docstring)."""
    media = download_media(request, query_form(text))
    kg: Any = request.app.state.kg
    limits = kg.limits
    headers = {"Vary": "Accept", "X-Kzgraph-Time-Limit": f"{limits.timeout:g}"}
    if limits.max_result_bytes is not None:
        headers["X-Kzgraph-Byte-Limit"] = str(limits.max_result_bytes)
    if not isinstance(kg, GuardedStore):  # a remote store: the answer of /sparql, cut at the row limit
        written = await run_in_threadpool(kg.query_written, text, media, base=endpoint_url(request),
                                          default_graphs=default_graphs or None, named_graphs=named_graphs or None)
        headers["Content-Disposition"] = _disposition(filename, written.media)
        headers["X-Kzgraph-Rows"] = str(written.count)
        if written.truncated:
            headers["X-Kzgraph-Truncated"] = "true"
            headers["X-Kzgraph-Cut"] = f"the row limit of {settings(request).max_rows} rows (a remote store)"
        return Response(written.body, media_type=content_type(written.media), headers=headers)
    stream = await kg.astream(text, media, base=endpoint_url(request), default_graphs=default_graphs or None,
                              named_graphs=named_graphs or None)
    headers["Content-Disposition"] = _disposition(filename, stream.media)
    chunks = stream.chunks()
    held: list[bytes] = []
    size = 0
    try:
        while size < BUFFER:
            try:
                chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            held.append(chunk)
            size += len(chunk)
        else:  # longer than the buffer: streamed
            headers["X-Kzgraph-Streamed"] = "true"
            return DownloadResponse(_rest(held, chunks, stream), stream, headers)
    except BaseException:
        await stream.aclose()
        raise
    await stream.aclose()
    headers["X-Kzgraph-Rows"] = str(stream.count)
    if stream.cut:
        headers["X-Kzgraph-Truncated"] = "true"
        headers["X-Kzgraph-Cut"] = _header(stream.cut)
        if stream.tail() is None:  # CSV or TSV, which cannot say so: left unfinished however short, as a stream
            return DownloadResponse(_rest(held, chunks, stream), stream, headers)
    return Response(b"".join(held) + (stream.tail() or b""), media_type=content_type(stream.media), headers=headers)


async def _rest(held: list[bytes], chunks: AsyncIterator[bytes], stream: AnswerStream) -> AsyncIterator[bytes]:
    """The pieces held, the rest as it comes, then the end that says where a limit cut it."""
    try:
        while held:
            yield held.pop(0)
        async for chunk in chunks:
            yield chunk
        tail = stream.tail()
        if tail:
            yield tail
    finally:
        await stream.aclose()


def _disposition(filename: str, media: str) -> str:
    name = f"{filename}.{EXTENSIONS.get(media, 'txt')}"
    return f"attachment; filename=\"{_header(name).replace(chr(34), '')}\"; filename*=UTF-8''{quote(name)}"


@router.get("/sparql/download", name="download_query", summary="A query's whole answer, streamed")
async def download_query(request: Request) -> Response:
    """``?query=…`` (with ``default-graph-uri``, ``named-graph-uri``, ``format``): every row, within the byte
    and time limits."""
    params = request.query_params
    texts = params.getlist("query")
    if len(texts) != 1:
        raise ProtocolError(400, f"a download needs exactly one query parameter; the request has {len(texts)}")
    return await answer(request, texts[0], params.getlist("default-graph-uri"), params.getlist("named-graph-uri"),
                        "query")


@router.get("/queries/{name}/download", name="download_named_query", summary="A named query's whole answer")
async def download_named_query(request: Request, name: str,
                               catalogue: Annotated[dict[str, NamedQuery], Depends(get_catalogue)]) -> Response:
    """A named query with its parameters from the query string (as ``/queries/{name}``): every row."""
    named = catalogue.get(name)
    if named is None:
        raise UnknownQueryName(f"no query named {name!r} in the catalogue (see /queries)")
    sparql = named.bind(parameters(request, named))
    return await answer(request, sparql, [], [], name)
