# Seed 002 (asyncio cheat sheet), recipe "Timeout" (asyncio.wait_for).
# weft example: examples/seed002_wait_for_timeout.rs
# completed: nothing (the seed's program as written; it runs 1 s).
import asyncio

async def slow_op():
    await asyncio.sleep(5)
    return "done"

async def main():
    try:
        result = await asyncio.wait_for(slow_op(), timeout=1.0)
    except asyncio.TimeoutError:
        print("Timed out after 1s")

asyncio.run(main())
