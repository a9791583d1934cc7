# Seed 002 (asyncio cheat sheet), recipe "Run blocking code in a thread".
# weft example: examples/seed002_to_thread.rs
# completed: nothing (the seed's program as written).
import asyncio
import time

def cpu_or_blocking_work(n: int) -> int:
    time.sleep(0.1)     # simulates blocking I/O or CPU work
    return n * n

async def main():
    # asyncio.to_thread wraps a sync function so it doesn't block the loop
    results = await asyncio.gather(*[
        asyncio.to_thread(cpu_or_blocking_work, i) for i in range(5)
    ])
    print(results)

asyncio.run(main())
