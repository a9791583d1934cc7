# Seed 002 (asyncio cheat sheet), recipe "httpx.AsyncClient example".
# weft example: examples/seed002_httpx.rs
# completed: httpx is not installed and the recipe must not use the internet: `httpx`
#   is the stand-in from _http_stub.py, which sends every request over HTTP/1.1 to a
#   local server this program starts on 127.0.0.1 (http.server in a thread), whatever
#   the URL's host; the server answers 200 to every path. The URLs are the seed's.
import asyncio
from _http_stub import httpx, start_server

async def fetch(client: httpx.AsyncClient, url: str) -> int:
    r = await client.get(url, timeout=10)
    return r.status_code

async def main():
    urls = ["https://httpbin.org/get", "https://example.com", "https://python.org"]
    async with httpx.AsyncClient() as client:
        codes = await asyncio.gather(*(fetch(client, u) for u in urls))
    for u, c in zip(urls, codes):
        print(f"{c} {u}")

start_server(lambda method, host, path, body: (200, {"host": host, "path": path}))
asyncio.run(main())
