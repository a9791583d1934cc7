# Seed 002 (asyncio cheat sheet), recipe "Bounded fan-out — fetch N URLs with a
# concurrency cap".
# weft example: examples/seed002_bounded_fan_out.rs
# completed: httpx is not installed and the recipe must not use the internet: `httpx`
#   is the stand-in from _http_stub.py, which sends every request over HTTP/1.1 to a
#   local server this program starts on 127.0.0.1 (http.server in a thread); the server
#   answers /status/<code> with that status code after 0.02 s. The URLs are the seed's.
#   As with httpx, a 404 or 500 is a response, not an exception, so no "error:" line.
import asyncio
from _http_stub import httpx, start_server

async def fetch_one(client: httpx.AsyncClient, sem: asyncio.Semaphore, url: str):
    async with sem:
        try:
            r = await client.get(url, timeout=10)
            return url, r.status_code
        except Exception as e:
            return url, f"error: {e}"

async def fetch_all(urls: list[str], concurrency: int = 10):
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient() as client:
        return await asyncio.gather(*(fetch_one(client, sem, u) for u in urls))

async def main():
    urls = [f"https://httpbin.org/status/{c}" for c in (200, 200, 404, 500, 200)]
    for url, status in await fetch_all(urls, concurrency=3):
        print(status, url)

def handler(method, host, path, body):
    if path.startswith("/status/"):
        return int(path.rsplit("/", 1)[1]), "", 0.02
    return 404, "", 0.02

start_server(handler)
asyncio.run(main())
