# Seed 002 (asyncio cheat sheet), recipe "Async iterators and generators".
# weft example: examples/seed002_async_generator.rs
# completed: the seed's follow-up one-liner "Async comprehensions work too:
#   result = [v async for v in ticks(3)]" is a fragment (it needs an enclosing async
#   function); it is run here at the end of main() and its result printed.
import asyncio

async def ticks(n: int):
    for i in range(n):
        await asyncio.sleep(0.05)
        yield i

async def main():
    async for value in ticks(3):
        print("got", value)
    result = [v async for v in ticks(3)]
    print("comprehension:", result)

asyncio.run(main())
