# Seed 002 (asyncio cheat sheet), recipe "Semaphore — bound concurrency (rate limiting)".
# weft example: examples/seed002_semaphore.rs
# completed: nothing (the seed's program as written; the seed shows the first four
#   lines and "...": all ten are printed, in order).
import asyncio

sem = asyncio.Semaphore(3)

async def request(n: int):
    async with sem:
        print(f"request {n} running (active ≤ 3)")
        await asyncio.sleep(0.05)

async def main():
    await asyncio.gather(*[request(i) for i in range(10)])

asyncio.run(main())
