# Seed 003 (Python Async/Await Patterns), recipe "Performance Considerations: When
# asyncio is Fastest".
# weft example: examples/seed003_fetch_1000_urls.rs
# completed: aiohttp is the stand-in from _http_stub.py, talking HTTP/1.1 to a local
#   server this program starts on 127.0.0.1 (http.server in a thread), which answers
#   {"path": ...}; like aiohttp's default connector, a session opens at most 100
#   connections at once.
# completed: fetch_with_session is not defined by the seed: `async with
#   session.get(url) as response: return await response.json()`, plus two lines
#   counting fetches in flight (instrumentation).
# completed: main() is added: 1000 URLs; prints the number of results, the number of
#   sessions opened, the peak number of fetches in flight (all 1000 are started before
#   any completes), and whether the results are in URL order.
import asyncio
from _http_stub import aiohttp, start_server

in_flight = 0
peak = 0

async def fetch_with_session(session, url):
    global in_flight, peak
    in_flight += 1; peak = max(peak, in_flight)
    try:
        async with session.get(url) as response:
            return await response.json()
    finally:
        in_flight -= 1

# Async shines with many I/O operations
async def fetch_1000_urls(urls: list[str]) -> list[dict]:
    """Fetch 1000 URLs concurrently (seconds, not minutes)."""
    async with aiohttp.ClientSession() as session:
        tasks = [fetch_with_session(session, url) for url in urls]
        return await asyncio.gather(*tasks)

# Single thread handles 1000+ concurrent connections!

async def main():
    urls = [f"https://api.example.com/item/{i}" for i in range(1000)]
    results = await fetch_1000_urls(urls)
    print(f"fetched {len(results)} urls through {aiohttp.stats['sessions_opened']} session")
    print(f"most fetches in flight at once: {peak}")
    print("results in URL order:", [r["path"] for r in results] == [f"/item/{i}" for i in range(1000)])

start_server(lambda method, host, path, body: (200, {"path": path}))
asyncio.run(main())
