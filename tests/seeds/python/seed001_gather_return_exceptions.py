# Seed 001 (Async/Await Patterns in Python), recipe "Error Handling Strategies".
# weft example: examples/seed001_gather_return_exceptions.rs
# completed: the seed fails at random (random.random() < 0.5); random.seed(3) makes the
#   first (try/except) call fail, the first gathered call succeed and the second fail,
#   every run (the gathered calls draw their numbers in task order: same 0.05 s sleep,
#   timers in creation order).
# completed: risky_operation sleeps 0.05 s (was 1, 20x shorter).
import asyncio
import random

async def risky_operation():
    await asyncio.sleep(0.05)
    if random.random() < 0.5:
        raise ValueError("Something went wrong")
    return "success"

async def main():
    # Option 1: Try/except directly
    try:
        result = await risky_operation()
    except ValueError as e:
        print(f"Caught: {e}")

    # Option 2: gather with return_exceptions
    results = await asyncio.gather(
        risky_operation(),
        risky_operation(),
        return_exceptions=True
    )
    
    for i, result in enumerate(results):
        if isinstance(result, Exception):
            print(f"Task {i} failed: {result}")
        else:
            print(f"Task {i} succeeded: {result}")

random.seed(3)
asyncio.run(main())
