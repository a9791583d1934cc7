# Seed 004 (Async/Await Patterns in Python), recipe "Best Practices: 1. Never Block the
# Event Loop".
# weft example: examples/seed004_best_practice_never_block.rs
# completed: the sleeps are 0.05 s (were 5). requests, aiohttp and aiofiles are not
#   installed: `requests` and `aiohttp` are the stand-ins from _http_stub.py (a blocking
#   and an asyncio HTTP/1.1 client), both talking to a local server this program starts
#   on 127.0.0.1 (http.server in a thread) that answers after 0.05 s; "url" is sent as
#   the path /url. `aiofiles` is a stand-in defined below (the read runs in a thread, as
#   aiofiles does). "file" is created in a temporary directory the program changes into.
#   `time` is imported (the seed's snippet uses it without importing it).
# completed: main() is added: a heartbeat task ticks every 2 ms while bad() and then
#   good() run; bad() blocks the loop (0 ticks), good() does not (ticks > 0; the exact
#   count varies, so only "kept ticking" is printed).
import asyncio
import os
import tempfile
import time
import types
from _http_stub import aiohttp, requests, start_server

class _AsyncFile:
    def __init__(self, path, mode):
        self._path, self._mode = path, mode

    async def __aenter__(self):
        self._f = await asyncio.to_thread(open, self._path, self._mode)
        return self

    async def __aexit__(self, *exc):
        await asyncio.to_thread(self._f.close)

    async def read(self):
        return await asyncio.to_thread(self._f.read)

aiofiles = types.SimpleNamespace(open=lambda path, mode="r": _AsyncFile(path, mode))

# DON'T
async def bad():
    time.sleep(0.05)  # Blocks!
    requests.get("url")  # Blocks!
    open("file").read()  # Blocks!

# DO
async def good():
    await asyncio.sleep(0.05)
    async with aiohttp.ClientSession() as session:
        await session.get("url")
    async with aiofiles.open("file") as f:
        await f.read()

ticks = 0

async def heartbeat():
    global ticks
    while True:
        await asyncio.sleep(0.002)
        ticks += 1

async def main():
    hb = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    before = ticks
    await bad()
    print(f"bad(): heartbeat ticked {ticks - before} times")
    before = ticks
    await good()
    print(f"good(): heartbeat kept ticking: {ticks - before > 0}")
    hb.cancel()

start_server(lambda method, host, path, body: (200, "ok", 0.05))
with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    with open("file", "w") as f:
        f.write("contents")
    asyncio.run(main())
    os.chdir("/")
