# Seed 001 (Async/Await Patterns in Python), recipe "Timeout Patterns" (wait_for).
# weft example: examples/seed001_wait_for_timeout.rs
# completed: sleeps shortened 10x: slow_operation sleeps 1 s (was 10), timeout=0.2
#   (was 2.0).
import asyncio

async def slow_operation():
    await asyncio.sleep(1)
    return "finished"

async def main():
    try:
        result = await asyncio.wait_for(slow_operation(), timeout=0.2)
        print(result)
    except asyncio.TimeoutError:
        print("Operation timed out!")

asyncio.run(main())
# Output: Operation timed out!
