# Seed 004 (Async/Await Patterns in Python), recipe "asyncio.gather()".
# weft example: examples/seed004_gather.rs
# completed: fetch_data is the seed's own (from "Async Functions"), with its sleep
#   shortened to 0.01 s, plus one added failure: a URL containing "down" raises
#   ConnectionError after the sleep.
# completed: main() is added: fetch_multiple on two good URLs; fetch_with_errors on a
#   list with one failing URL (its result is None).
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.01)  # Simulate I/O
    if "down" in url:
        raise ConnectionError(f"{url} is down")
    return {"url": url, "status": "ok"}

# Run multiple coroutines concurrently
async def fetch_multiple(urls: list[str]) -> list[dict[str, str]]:
    """Fetch multiple URLs concurrently."""
    tasks = [fetch_data(url) for url in urls]
    results = await asyncio.gather(*tasks)
    return results

# With error handling
async def fetch_with_errors(urls: list[str]) -> list[dict[str, str] | None]:
    """Handle individual failures."""
    tasks = [fetch_data(url) for url in urls]
    results = await asyncio.gather(*tasks, return_exceptions=True)

    # Filter out exceptions
    return [r if not isinstance(r, Exception) else None for r in results]

async def main():
    print("fetch_multiple:", await fetch_multiple(["https://a.example", "https://b.example"]))
    print("fetch_with_errors:", await fetch_with_errors(
        ["https://a.example", "https://down.example", "https://b.example"]))

asyncio.run(main())
