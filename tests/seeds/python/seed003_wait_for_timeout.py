# Seed 003 (Python Async/Await Patterns), recipe "Pattern 3: Timeouts with wait_for()".
# weft example: examples/seed003_wait_for_timeout.rs
# completed: fetch_data is the seed's own (from "async def and await", over aiohttp);
#   aiohttp is the stand-in from _http_stub.py, talking HTTP/1.1 to a local server this
#   program starts on 127.0.0.1 (http.server in a thread): it answers {"status": "ok"},
#   after 1 s for a host containing "slow", at once otherwise.
# completed: LOG is not defined by the seed: LOG = logging.getLogger(__name__), with
#   logging.basicConfig(stream=sys.stdout) so the warning is part of stdout (default
#   format "LEVEL:logger:message"; the logger is "__main__").
# completed: main() is added: a fast URL with the seed's default timeout (5.0), then a
#   slow one with timeout=0.2 (the server answers it after 1 s).
import asyncio
import logging
import sys
from _http_stub import aiohttp, start_server

logging.basicConfig(stream=sys.stdout)
LOG = logging.getLogger(__name__)

async def fetch_data(url: str) -> dict:
    """Fetch data from URL asynchronously."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

# Add timeout to any coroutine
async def fetch_with_timeout(url: str, timeout: float = 5.0) -> dict:
    """Fetch with timeout."""
    try:
        return await asyncio.wait_for(fetch_data(url), timeout=timeout)
    except asyncio.TimeoutError:
        LOG.warning(f"Timeout fetching {url}")
        raise

async def main():
    for url, timeout in (("https://fast.example.com", 5.0), ("https://slow.example.com", 0.2)):
        try:
            print(f"{url}: {await fetch_with_timeout(url, timeout=timeout)}")
        except TimeoutError as e:
            print(f"{url}: raised {type(e).__name__}")

start_server(lambda method, host, path, body: (200, {"status": "ok"}, 1.0 if "slow" in host else 0))
asyncio.run(main())
