# Seed 004 (Async/Await Patterns in Python), recipe "Basic Async Generator".
# weft example: examples/seed004_async_generator.rs
# completed: the sleep is 0.01 s (was 0.1); main() is added: consume(), then prints
#   to_list().
import asyncio
from typing import AsyncIterator

async def generate_numbers(n: int) -> AsyncIterator[int]:
    """Async generator."""
    for i in range(n):
        await asyncio.sleep(0.01)
        yield i

# Consume async generator
async def consume() -> None:
    async for num in generate_numbers(5):
        print(num)

# List from async generator
async def to_list() -> list[int]:
    return [num async for num in generate_numbers(5)]

async def main():
    await consume()
    print("to_list:", await to_list())

asyncio.run(main())
