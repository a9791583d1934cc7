# Seed 002 (asyncio cheat sheet), recipe "Lock — mutual exclusion across coroutines".
# weft example: examples/seed002_lock.rs
# completed: nothing (the seed's program as written).
import asyncio

lock = asyncio.Lock()
counter = 0

async def increment(n: int):
    global counter
    async with lock:
        local = counter
        await asyncio.sleep(0)   # simulate context switch
        counter = local + n

async def main():
    await asyncio.gather(*[increment(1) for _ in range(100)])
    print("counter:", counter)

asyncio.run(main())
