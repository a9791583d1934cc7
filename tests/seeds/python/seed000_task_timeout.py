# Seed 000 (Python Async Fundamentals), recipe "Task Management with Timeout".
# weft example: examples/seed000_task_timeout.rs
# completed: fetch_data is not defined by the seed: here it sleeps `delay` (0.01 s by
#   default) and returns {'data': 'fetched'}.
# completed: the seed's usage line is a top-level `await`; it is wrapped in main(), which
#   runs it as written (timeout=5.0, a fast fetch) and prints the result, then once more
#   with a slow fetch (0.5 s) under timeout=0.05 and prints the error it raises.
import asyncio
from typing import Coroutine, Any, Callable

async def with_timeout(coro: Coroutine, timeout: float) -> Any:
    """Execute coroutine with timeout."""
    try:
        return await asyncio.wait_for(coro, timeout=timeout)
    except asyncio.TimeoutError:
        raise TimeoutError(f"Operation timed out after {timeout}s")

async def fetch_data(delay: float = 0.01) -> dict:
    await asyncio.sleep(delay)
    return {"data": "fetched"}

async def main():
    # Usage
    result = await with_timeout(fetch_data(), timeout=5.0)
    print("result:", result)
    try:
        result = await with_timeout(fetch_data(0.5), timeout=0.05)
        print("result:", result)
    except TimeoutError as e:
        print("error:", e)

asyncio.run(main())
