# Seed 004 (Async/Await Patterns in Python), recipe "Async Generator with Context
# Manager".
# weft example: examples/seed004_stream_with_cleanup.rs
# completed: open_stream and process are not defined by the seed: open_stream(source)
#   prints "stream '<source>' opened" and returns a stream whose read() sleeps 0.001 s
#   and returns "chunk-0" .. "chunk-3", then "" (end), and whose close() prints
#   "stream '<source>' closed"; process(data) prints "process: <data>".
#   `asynccontextmanager` is imported (the block uses it without importing it).
# completed: main() is added: process_stream() as written, then an added variant that
#   stops after two chunks (break). That shows a CPython behaviour the seed does not
#   mention: the seed's context manager does not close the stream on exit, and a
#   `break` leaves the inner generator suspended, so its `finally` (the close) runs
#   only when the generator object is garbage-collected (here right after
#   process_stream_early returns, by refcounting); asyncio's async-generator finalizer
#   hook then schedules aclose() as a task, so "stream 'early' closed" comes after the
#   caller's next line.
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

class _Stream:
    def __init__(self, source: str) -> None:
        self.source = source
        self.chunks = [f"chunk-{i}" for i in range(4)]

    async def read(self) -> str:
        await asyncio.sleep(0.001)
        return self.chunks.pop(0) if self.chunks else ""

    async def close(self) -> None:
        print(f"stream '{self.source}' closed")

async def open_stream(source: str) -> _Stream:
    await asyncio.sleep(0.001)
    print(f"stream '{source}' opened")
    return _Stream(source)

def process(data: str) -> None:
    print(f"process: {data}")

@asynccontextmanager
async def stream_data(source: str) -> AsyncIterator[str]:
    """Stream data with cleanup."""
    # Setup
    stream = await open_stream(source)

    async def _generate() -> AsyncIterator[str]:
        try:
            while True:
                data = await stream.read()
                if not data:
                    break
                yield data
        finally:
            await stream.close()

    yield _generate()

# Usage
async def process_stream() -> None:
    async with stream_data("source") as generator:
        async for data in generator:
            process(data)

async def process_stream_early() -> None:
    async with stream_data("early") as generator:
        async for data in generator:
            process(data)
            if data == "chunk-1":
                break
    print("process_stream_early: left the async with block")

async def main():
    await process_stream()
    await process_stream_early()
    print("main: process_stream_early returned")
    await asyncio.sleep(0.01)
    print("main: done")

asyncio.run(main())
