# Seed 002 (asyncio cheat sheet), recipe "as_completed — process results in finish order".
# weft example: examples/seed002_as_completed.rs
# completed: nothing (the seed's program as written). The seed calls the order
#   "non-deterministic", but with these delays (0.3, 0.2, 0.1 s: 100 ms apart) it is
#   the completion order, fixed: 2, 1, 0.
import asyncio

async def task(n: int) -> int:
    await asyncio.sleep(0.3 - n * 0.1)
    return n

async def main():
    coros = [task(i) for i in range(3)]
    for coro in asyncio.as_completed(coros):
        result = await coro
        print(f"finished: {result}")

asyncio.run(main())
