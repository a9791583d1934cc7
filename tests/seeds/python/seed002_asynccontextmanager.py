# Seed 002 (asyncio cheat sheet), recipe "Async context managers", second snippet:
# "@contextlib.asynccontextmanager turns an async generator into the same shape".
# weft example: examples/seed002_asynccontextmanager.rs
# completed: the seed only defines resource(); main() uses it once normally (printing
#   the yielded value) and once with a body that raises, to show that the finally
#   clause still prints "teardown" and the exception reaches the caller.
import asyncio
from contextlib import asynccontextmanager

@asynccontextmanager
async def resource():
    print("setup")
    try:
        yield "the value"
    finally:
        print("teardown")

async def main():
    async with resource() as value:
        print("using", value)
    try:
        async with resource() as value:
            raise RuntimeError("body failed")
    except RuntimeError as e:
        print("caller caught:", e)

asyncio.run(main())
