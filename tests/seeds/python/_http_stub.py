"""Local stand-ins for the network recipes (helper, not a recipe; regen.sh skips `_*.py`).

Neither aiohttp nor httpx is installed, and the recipes must not reach the internet.
This module gives them:

* `start_server(handler)`: a real HTTP server on 127.0.0.1 (an ephemeral port), run by
  `http.server.ThreadingHTTPServer` in a daemon thread, so that it serves any number of
  `asyncio.run()` calls in the program. `handler(method, host, path, body)` returns
  `(status, payload)` or `(status, payload, delay_seconds)`; a dict/list payload is sent
  as JSON, str/bytes as text. The delay is slept in the server thread before answering.
* `aiohttp` and `httpx`: minimal client stand-ins with the API subset the recipes use.
  They speak HTTP/1.1 (one request per connection, `Connection: close`) over asyncio
  streams (`asyncio.open_connection`), and send EVERY request to the local server,
  whatever host the URL names (as if DNS resolved every name to it); the URL's host is
  sent in the Host header. So the recipes keep their own URLs (https://api.example.com/...),
  and their output has no port numbers in it.

aiohttp stand-in: ClientSession(timeout=ClientTimeout(total=...)) as an async context
manager or closed with `await session.close()`; `session.get(url)` /
`session.request(method, url, json=...)` usable as `async with ... as resp` or awaited;
`resp.status`, `resp.reason`, `await resp.json()`, `await resp.text()`,
`resp.raise_for_status()` (raises ClientResponseError, str like aiohttp's:
"503, message='Service Unavailable', url='https://...'"); at most 100 connections per
session at once (aiohttp's default TCPConnector limit). A total timeout raises
TimeoutError (asyncio.TimeoutError), as aiohttp's does.
`aiohttp.stats["sessions_opened"]` counts ClientSession objects created (instrumentation,
not aiohttp API).

httpx stand-in: AsyncClient() as an async context manager; `await client.get(url,
timeout=...)` returns a Response with `.status_code`, `.text`, `.json()`.

requests stand-in: `requests.get(url)` is a BLOCKING GET (http.client) to the same local
server, returning the same Response type; it exists to show what blocking I/O does to
the event loop.

A URL without a scheme and host (the seeds' bare "url") is sent as the path "/url".
"""
import asyncio
import http.server
import json as _json
import threading
import time
import types
import urllib.parse

_port = None


def start_server(handler):
    """Start the local server in a daemon thread; returns its port."""
    global _port

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            res = handler(self.command, self.headers.get("Host", ""), self.path, body)
            status, payload = res[0], res[1]
            delay = res[2] if len(res) > 2 else 0
            if delay:
                time.sleep(delay)
            if isinstance(payload, (dict, list)):
                data, ctype = _json.dumps(payload).encode(), "application/json"
            elif isinstance(payload, str):
                data, ctype = payload.encode(), "text/plain; charset=utf-8"
            else:
                data, ctype = bytes(payload or b""), "application/octet-stream"
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (timeout): nothing to answer
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args):  # keep stderr quiet
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

        def handle_error(self, request, client_address):
            pass

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _port = server.server_address[1]
    return _port


async def _http_request(method, url, json=None, data=None):
    """One HTTP/1.1 exchange with the local server. Returns (status, reason, headers, body)."""
    if _port is None:
        raise RuntimeError("start_server() was not called")
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    if not path.startswith("/"):  # a bare "url", as some seed snippets write
        path = "/" + path
    if parts.query:
        path += "?" + parts.query
    if json is not None:
        data = _json.dumps(json).encode()
    data = data or b""
    reader, writer = await asyncio.open_connection("127.0.0.1", _port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
        if data or method in ("POST", "PUT"):
            head += f"Content-Length: {len(data)}\r\nContent-Type: application/json\r\n"
        writer.write(head.encode() + b"\r\n" + data)
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    header_blob, _, body = raw.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    _, status, reason = (lines[0].split(" ", 2) + [""])[:3]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(status), reason, headers, body


# --------------------------------------------------------------------------- aiohttp
class ClientError(Exception):
    pass


class ClientResponseError(ClientError):
    def __init__(self, url, status, message):
        super().__init__(status, message, url)
        self.status, self.message, self.url = status, message, url

    def __str__(self):
        return f"{self.status}, message={self.message!r}, url={self.url!r}"


class ClientTimeout:
    def __init__(self, total=None, connect=None, sock_read=None, sock_connect=None):
        self.total = total


class ClientResponse:
    def __init__(self, method, url, status, reason, headers, body):
        self.method, self.url, self.status, self.reason = method, url, status, reason
        self.headers, self._body = headers, body

    async def read(self):
        return self._body

    async def text(self):
        return self._body.decode()

    async def json(self):
        return _json.loads(self._body.decode())

    def raise_for_status(self):
        if self.status >= 400:
            raise ClientResponseError(self.url, self.status, self.reason)

    def release(self):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.release()


class _RequestContextManager:
    def __init__(self, coro):
        self._coro = coro

    def __await__(self):
        return self._coro.__await__()

    async def __aenter__(self):
        self._resp = await self._coro
        return self._resp

    async def __aexit__(self, *exc):
        self._resp.release()


class ClientSession:
    def __init__(self, timeout=None, **kwargs):
        self._timeout = timeout.total if timeout is not None else 300.0
        self._limit = asyncio.Semaphore(100)
        self.closed = False
        _aiohttp_stats["sessions_opened"] += 1

    async def _request(self, method, url, timeout=None, json=None, data=None, **kwargs):
        if self.closed:
            raise RuntimeError("Session is closed")
        total = timeout.total if isinstance(timeout, ClientTimeout) else self._timeout
        async with asyncio.timeout(total):
            async with self._limit:
                status, reason, headers, body = await _http_request(method, url, json, data)
        return ClientResponse(method, url, status, reason, headers, body)

    def request(self, method, url, **kwargs):
        return _RequestContextManager(self._request(method, url, **kwargs))

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    async def close(self):
        self.closed = True

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


_aiohttp_stats = {"sessions_opened": 0}
aiohttp = types.SimpleNamespace(
    ClientSession=ClientSession,
    ClientTimeout=ClientTimeout,
    ClientError=ClientError,
    ClientResponseError=ClientResponseError,
    ClientResponse=ClientResponse,
    stats=_aiohttp_stats,
)


# --------------------------------------------------------------------------- httpx
class Response:
    def __init__(self, url, status_code, body):
        self.url, self.status_code, self.content = url, status_code, body

    @property
    def text(self):
        return self.content.decode()

    def json(self):
        return _json.loads(self.content.decode())


class AsyncClient:
    def __init__(self, timeout=5.0, **kwargs):
        self._timeout = timeout

    async def get(self, url, timeout=None):
        async with asyncio.timeout(timeout if timeout is not None else self._timeout):
            status, _, _, body = await _http_request("GET", url)
        return Response(url, status, body)

    async def aclose(self):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()


httpx = types.SimpleNamespace(AsyncClient=AsyncClient, Response=Response)


# --------------------------------------------------------------------------- requests
def _requests_get(url, timeout=None):
    """Blocking GET (the `requests.get` the seeds warn about), to the local server."""
    import http.client

    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    if not path.startswith("/"):
        path = "/" + path
    conn = http.client.HTTPConnection("127.0.0.1", _port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": parts.netloc or "localhost"})
        resp = conn.getresponse()
        return Response(url, resp.status, resp.read())
    finally:
        conn.close()


requests = types.SimpleNamespace(get=_requests_get)
