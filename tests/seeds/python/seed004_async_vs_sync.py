# Seed 004 (Async/Await Patterns in Python), recipe "Async vs Sync" (DON'T/DO pairs).
# weft example: examples/seed004_async_vs_sync.rs
# completed: the sleeps are 0.2 s (were 5).
# completed: aiofiles is not installed: `aiofiles` is a stand-in below whose open()
#   gives an async context manager and whose read() runs the blocking read in a thread
#   (asyncio.to_thread), which is what aiofiles does.
# completed: "file.txt" is created (containing "hello") in a temporary directory the
#   program changes into.
# completed: main() is added: each function three times at once with gather; prints the
#   elapsed ms (wildcarded) and whether the three ran one after the other (BAD:
#   time.sleep blocks the loop, >= 0.6 s) or overlapped (GOOD: < 0.4 s), then what the
#   file readers returned.
# wildcard: x3: (\d+) ms
import asyncio
import os
import tempfile
import time
import types

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

# DON'T: Blocking call in async function
async def bad_fetch() -> str:
    import time
    time.sleep(0.2)  # Blocks entire event loop!
    return "data"

# DO: Use async operations
async def good_fetch() -> str:
    await asyncio.sleep(0.2)  # Non-blocking
    return "data"

# DON'T: Sync I/O in async function
async def bad_read_file() -> str:
    with open("file.txt") as f:  # Blocking!
        return f.read()

# DO: Use async I/O
async def good_read_file() -> str:
    async with aiofiles.open("file.txt") as f:
        return await f.read()

async def main():
    for fn, good in ((bad_fetch, False), (good_fetch, True)):
        t0 = time.perf_counter()
        results = await asyncio.gather(fn(), fn(), fn())
        ms = (time.perf_counter() - t0) * 1000
        what = f"overlapped: {ms < 400}" if good else f"serialised: {ms >= 600}"
        print(f"{fn.__name__} x3: {round(ms)} ms ({what}) -> {results}")
    for fn in (bad_read_file, good_read_file):
        print(f"{fn.__name__}: {await fn()!r}")

with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    with open("file.txt", "w") as f:
        f.write("hello")
    asyncio.run(main())
    os.chdir("/")
