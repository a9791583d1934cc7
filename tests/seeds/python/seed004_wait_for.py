# Seed 004 (Async/Await Patterns in Python), recipe "asyncio.wait_for()".
# weft example: examples/seed004_wait_for.rs
# completed: fetch_data is the seed's own (from "Async Functions"), its sleep 0.01 s,
#   except 1 s for a URL containing "slow"; fetch_multiple is the seed's (from
#   "asyncio.gather()").
# completed: main() is added: a fast URL (the seed's default timeout, 5.0) and a slow
#   one (timeout 0.05) through fetch_with_timeout, then two fast URLs (default 10.0) and
#   a fast+slow pair (timeout 0.05) through fetch_multiple_with_timeout.
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(1 if "slow" in url else 0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}

async def fetch_multiple(urls: list[str]) -> list[dict[str, str]]:
    """Fetch multiple URLs concurrently."""
    tasks = [fetch_data(url) for url in urls]
    results = await asyncio.gather(*tasks)
    return results

# Timeout for single operation
async def fetch_with_timeout(url: str, timeout: float = 5.0) -> dict[str, str]:
    """Fetch with timeout."""
    try:
        result = await asyncio.wait_for(fetch_data(url), timeout=timeout)
        return result
    except asyncio.TimeoutError:
        print(f"Timeout fetching {url}")
        return {"error": "timeout"}

# Timeout for multiple operations
async def fetch_multiple_with_timeout(
    urls: list[str],
    timeout: float = 10.0
) -> list[dict[str, str]]:
    """Fetch multiple with overall timeout."""
    try:
        result = await asyncio.wait_for(
            fetch_multiple(urls),
            timeout=timeout
        )
        return result
    except asyncio.TimeoutError:
        return [{"error": "timeout"} for _ in urls]

async def main():
    print(await fetch_with_timeout("https://a.example"))
    print(await fetch_with_timeout("https://slow.example", timeout=0.05))
    print("all within the overall timeout:",
          await fetch_multiple_with_timeout(["https://a.example", "https://b.example"]))
    print("overall timeout:",
          await fetch_multiple_with_timeout(["https://a.example", "https://slow.example"], timeout=0.05))

asyncio.run(main())
