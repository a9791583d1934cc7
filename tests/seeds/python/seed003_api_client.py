# Seed 003 (Python Async/Await Patterns), recipe "Real-World Example: API Client".
# weft example: examples/seed003_api_client.rs
# completed: aiohttp is the stand-in from _http_stub.py, talking HTTP/1.1 to a local
#   server this program starts on 127.0.0.1 (http.server in a thread): GET /users/123
#   answers 503 the first time, then {"id": 123, "name": "Ada"}; GET /users/123/posts
#   hangs 3 s the first time (longer than the client's timeout), then answers
#   [{"id": 1, "title": "weft"}]. The stand-in raises ClientResponseError from
#   raise_for_status() (str like aiohttp's) and TimeoutError on the total timeout.
# completed: LOG is not defined by the seed: LOG = logging.getLogger(__name__), with
#   logging.basicConfig(stream=sys.stdout) so the warnings are part of stdout (the
#   timeout's line ends with ": " and nothing after it: str(TimeoutError()) is empty).
# completed: the retry delay starts at 0.01 s (the seed's 1.0, 100x shorter); the client
#   is made with timeout=1.0 (the seed's default 30.0); main() is the seed's, and its
#   return value (which the seed drops) is printed.
import asyncio
import logging
import sys
import threading
from typing import Any
from _http_stub import aiohttp, start_server

logging.basicConfig(stream=sys.stdout)
LOG = logging.getLogger(__name__)

class AsyncAPIClient:
    """Async API client with connection pooling and retry."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.session = None

    async def __aenter__(self):
        """Create session on context entry."""
        self.session = aiohttp.ClientSession(timeout=self.timeout)
        return self

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        """Close session on context exit."""
        if self.session:
            await self.session.close()

    async def get(self, endpoint: str, **kwargs) -> dict[str, Any]:
        """GET request with automatic retry."""
        url = f"{self.base_url}/{endpoint}"
        return await self._request_with_retry('GET', url, **kwargs)

    async def _request_with_retry(
        self,
        method: str,
        url: str,
        max_retries: int = 3,
        **kwargs
    ) -> dict[str, Any]:
        """Make request with exponential backoff retry."""
        delay = 0.01

        for attempt in range(max_retries):
            try:
                async with self.session.request(method, url, **kwargs) as resp:
                    resp.raise_for_status()
                    return await resp.json()
            except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                if attempt == max_retries - 1:
                    raise
                LOG.warning(f"Request failed (attempt {attempt + 1}): {e}")
                await asyncio.sleep(delay)
                delay *= 2

# Usage
async def main():
    async with AsyncAPIClient("https://api.example.com", timeout=1.0) as client:
        user = await client.get("users/123")
        posts = await client.get("users/123/posts")
        return user, posts

seen = {}
seen_lock = threading.Lock()

def handler(method, host, path, body):
    with seen_lock:
        seen[path] = n = seen.get(path, 0) + 1
    if path == "/users/123":
        return (503, "busy") if n == 1 else (200, {"id": 123, "name": "Ada"})
    if path == "/users/123/posts":
        return (200, [{"id": 1, "title": "weft"}], 3.0 if n == 1 else 0)
    return 404, "not found"

start_server(handler)
user, posts = asyncio.run(main())
print("user:", user)
print("posts:", posts)
