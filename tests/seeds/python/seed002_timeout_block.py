# Seed 002 (asyncio cheat sheet), recipe "asyncio.timeout — context-manager timeouts (3.11+)".
# weft example: examples/seed002_timeout_block.rs
# completed: nothing (the seed's program as written).
import asyncio

async def main():
    try:
        async with asyncio.timeout(0.1):
            await asyncio.sleep(0.05)   # fine
            await asyncio.sleep(0.5)    # raises
    except TimeoutError:
        print("block exceeded 100ms")

asyncio.run(main())
