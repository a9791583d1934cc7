# Seed 002 (asyncio cheat sheet), recipe "Concurrent execution with gather".
# weft example: examples/seed002_gather.rs
# completed: nothing (the seed's program as written); the elapsed time is wildcarded.
# wildcard: Done in (\d+\.\d+)s
import asyncio
import time

async def fetch(n: int, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"result-{n}"

async def main():
    start = time.perf_counter()
    results = await asyncio.gather(
        fetch(1, 0.3),
        fetch(2, 0.2),
        fetch(3, 0.1),
    )
    elapsed = time.perf_counter() - start
    print(results)
    print(f"Done in {elapsed:.2f}s  (sequential would take ~0.60s)")

asyncio.run(main())
