# Seed 003 (Python Async/Await Patterns), recipe "Pattern 5: Rate Limiting with Semaphore".
# weft example: examples/seed003_semaphore_rate_limit.rs
# completed: fetch_data is the seed's own (from "async def and await", over aiohttp),
#   plus two added lines counting fetches in flight (instrumentation); aiohttp is the
#   stand-in from _http_stub.py, talking HTTP/1.1 to a local server this program starts
#   on 127.0.0.1 (http.server in a thread), which answers {"path": ...} after 0.02 s.
# completed: main() is added: 12 URLs with max_concurrent=5; it prints whether the
#   results came back in URL order and the peak number of fetches in flight.
import asyncio
from _http_stub import aiohttp, start_server

in_flight = 0
peak = 0

async def fetch_data(url: str) -> dict:
    """Fetch data from URL asynchronously."""
    global in_flight, peak
    in_flight += 1; peak = max(peak, in_flight)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.json()
    finally:
        in_flight -= 1

# Limit concurrent operations
async def fetch_with_rate_limit(urls: list[str], max_concurrent: int = 5):
    """Limit concurrent requests."""
    semaphore = asyncio.Semaphore(max_concurrent)

    async def fetch_one(url: str):
        async with semaphore:
            return await fetch_data(url)

    tasks = [fetch_one(url) for url in urls]
    return await asyncio.gather(*tasks)

async def main():
    urls = [f"https://api.example.com/item/{i}" for i in range(12)]
    results = await fetch_with_rate_limit(urls)
    in_order = [r["path"] for r in results] == [f"/item/{i}" for i in range(12)]
    print(f"fetched {len(results)} urls, in order: {in_order}")
    print(f"most fetches in flight at once: {peak}")

start_server(lambda method, host, path, body: (200, {"path": path}, 0.02))
asyncio.run(main())
