# Seed 002 (asyncio cheat sheet), recipe "gather exception handling".
# weft example: examples/seed002_gather_exceptions.rs
# completed: nothing (the seed's program as written).
import asyncio

async def good(n): return n
async def bad(): raise ValueError("nope")

async def main():
    results = await asyncio.gather(good(1), bad(), good(2), return_exceptions=True)
    for r in results:
        print(type(r).__name__, r)

asyncio.run(main())
