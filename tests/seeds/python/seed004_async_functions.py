# Seed 004 (Async/Await Patterns in Python), recipe "Async Functions".
# weft example: examples/seed004_async_functions.rs
# completed: fetch_data sleeps 0.01 s (was 1, "Simulate I/O").
import asyncio

# Async function definition
async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}

# Calling async functions
async def main() -> None:
    result = await fetch_data("http://example.com")
    print(result)

# Run async code
asyncio.run(main())
