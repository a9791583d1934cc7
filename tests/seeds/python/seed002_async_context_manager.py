# Seed 002 (asyncio cheat sheet), recipe "Async context managers" (class with
# __aenter__/__aexit__).
# weft example: examples/seed002_async_context_manager.rs
# completed: nothing (the seed's program as written).
import asyncio

class AsyncResource:
    async def __aenter__(self):
        await asyncio.sleep(0.05)
        print("acquired")
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await asyncio.sleep(0.05)
        print("released")

async def main():
    async with AsyncResource() as r:
        print("using resource")

asyncio.run(main())
