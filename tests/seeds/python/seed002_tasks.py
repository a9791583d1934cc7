# Seed 002 (asyncio cheat sheet), recipe "Tasks — create_task, gather, as_completed, wait".
# weft example: examples/seed002_tasks.rs
# completed: nothing (the seed's program as written); the elapsed time is wildcarded.
# wildcard: in (\d+\.\d+)s$
import asyncio
import time

async def work(label: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"{label} done"

async def main():
    start = time.perf_counter()
    t1 = asyncio.create_task(work("A", 0.3))
    t2 = asyncio.create_task(work("B", 0.2))
    t3 = asyncio.create_task(work("C", 0.1))
    results = [await t1, await t2, await t3]
    print(results, f"in {time.perf_counter()-start:.2f}s")

asyncio.run(main())
