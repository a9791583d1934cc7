# Seed 002 (asyncio cheat sheet), recipe "Retry with exponential back-off".
# weft example: examples/seed002_retry_backoff.rs
# completed: nothing in the recipe (its own random.seed(7) makes it deterministic).
#   BUT ITS STATED OUTPUT IS NOT WHAT CPYTHON PRINTS: with random.seed(7) and one
#   random() per flaky() call plus one per retry delay, all five attempts fail; CPython
#   prints four "attempt N failed" lines (delays 0.06, 0.10, 0.22, 0.43 s) and then
#   asyncio.run() raises ConnectionError("network blip") (exit status 1). This file runs
#   the seed's program as written and catches that exception at the top level, printing
#   "uncaught ConnectionError: network blip" instead of the traceback, so it exits 0.
import asyncio
import random

async def with_retry(coro_fn, *args, attempts=5, base=0.1, max_delay=2.0):
    for n in range(attempts):
        try:
            return await coro_fn(*args)
        except (asyncio.TimeoutError, ConnectionError) as e:
            if n == attempts - 1:
                raise
            delay = min(base * (2 ** n), max_delay) + random.random() * 0.05
            print(f"attempt {n+1} failed ({e}); retrying in {delay:.2f}s")
            await asyncio.sleep(delay)

async def flaky(): 
    if random.random() < 0.7:
        raise ConnectionError("network blip")
    return "ok"

async def main():
    random.seed(7)
    result = await with_retry(flaky, attempts=5, base=0.05)
    print("result:", result)

try:
    asyncio.run(main())
except ConnectionError as e:
    print(f"uncaught {type(e).__name__}: {e}")
