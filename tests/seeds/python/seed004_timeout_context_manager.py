# Seed 004 (Async/Await Patterns in Python), recipe "timeout context manager (Python
# 3.11+, Enhanced in 3.14)".
# weft example: examples/seed004_timeout_context_manager.rs
# completed: fetch_data is the seed's own (from "Async Functions") with its sleep set by
#   the global FETCH_DELAY (0.01 s, then 2 s for the slow case); long_operation (not
#   defined) sleeps 5 s.
# completed: timeouts shortened 10x: process_with_timeout uses 0.5 s (was 5.0);
#   nested_timeouts uses 1.0 s outside and 0.5 s inside (were 10.0 and 5.0).
# completed: main() is added: process_with_timeout with a fast and a slow fetch, then
#   nested_timeouts() (which does not catch the TimeoutError; main prints it, and
#   whether it came in under 0.9 s, i.e. from the inner 0.5 s timeout, not the outer).
import asyncio
import time

FETCH_DELAY = 0.01

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(FETCH_DELAY)  # Simulate I/O
    return {"url": url, "status": "ok"}

async def long_operation():
    await asyncio.sleep(5)

# Timeout context manager
async def process_with_timeout() -> dict[str, str]:
    """Use timeout context manager."""
    try:
        async with asyncio.timeout(0.5):
            result = await fetch_data("url")
            return result
    except asyncio.TimeoutError:
        return {"error": "timeout"}

# Nested timeouts
async def nested_timeouts() -> None:
    async with asyncio.timeout(1.0):  # Outer timeout
        async with asyncio.timeout(0.5):  # Inner timeout (tighter)
            await long_operation()

async def main():
    global FETCH_DELAY
    print("process_with_timeout (fast):", await process_with_timeout())
    FETCH_DELAY = 2.0
    print("process_with_timeout (slow):", await process_with_timeout())
    t0 = time.perf_counter()
    try:
        await nested_timeouts()
    except TimeoutError:
        elapsed = time.perf_counter() - t0
        print(f"nested_timeouts raised TimeoutError; the inner timeout fired: {elapsed < 0.9}")

asyncio.run(main())
