# Seed 002 (asyncio cheat sheet), recipe "Coroutines, async def, and await".
# weft example: examples/seed002_coroutines.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed002_coroutines.weft.txt, whose first line says why)
# completed: nothing (the seed's program as written).
import asyncio

async def double(x: int) -> int:
    await asyncio.sleep(0)   # yield control once
    return x * 2

coro = double(21)            # NOT executed yet
print(type(coro).__name__)

result = asyncio.run(coro)   # now it runs
print(result)
