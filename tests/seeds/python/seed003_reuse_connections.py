# Seed 003 (Python Async/Await Patterns), recipe "Optimization: Reuse Connections".
# weft example: examples/seed003_reuse_connections.rs
# completed: aiohttp is the stand-in from _http_stub.py, talking HTTP/1.1 to a local
#   server this program starts on 127.0.0.1 (http.server in a thread), which answers
#   {"path": ...} after 0.05 s. The stand-in counts ClientSession objects.
# completed: fetch_with_session is not defined by the seed: `async with
#   session.get(url) as response: return await response.json()`.
# completed: main() is added: 10 URLs through inefficient() and efficient(); prints
#   results, sessions opened, elapsed ms (wildcarded) and whether efficient took less
#   than half as long (it is also concurrent, where inefficient is sequential: about
#   0.5 s against 0.05 s).
# wildcard: opened, (\d+) ms$
import asyncio
import time
from _http_stub import aiohttp, start_server

async def fetch_with_session(session, url):
    async with session.get(url) as response:
        return await response.json()

# ❌ BAD - creates new session each time
async def inefficient(urls: list[str]):
    results = []
    for url in urls:
        async with aiohttp.ClientSession() as session:  # New session!
            async with session.get(url) as response:
                results.append(await response.json())
    return results

# ✅ GOOD - reuse single session
async def efficient(urls: list[str]):
    async with aiohttp.ClientSession() as session:  # Single session
        tasks = [fetch_with_session(session, url) for url in urls]
        return await asyncio.gather(*tasks)

async def main():
    urls = [f"https://api.example.com/item/{i}" for i in range(10)]
    times = []
    for fn in (inefficient, efficient):
        before = aiohttp.stats["sessions_opened"]
        t0 = time.perf_counter()
        results = await fn(urls)
        times.append(time.perf_counter() - t0)
        sessions = aiohttp.stats["sessions_opened"] - before
        print(f"{fn.__name__}: {len(results)} results, {sessions} sessions opened, "
              f"{round(times[-1] * 1000)} ms")
    print("efficient took less than half as long:", times[1] < times[0] / 2)

start_server(lambda method, host, path, body: (200, {"path": path}, 0.05))
asyncio.run(main())
