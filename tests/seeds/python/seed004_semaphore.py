# Seed 004 (Async/Await Patterns in Python), recipe "Semaphore".
# weft example: examples/seed004_semaphore.rs
# completed: fetch_data is the seed's own (from "Async Functions"), its sleep 0.01 s,
#   plus two added lines counting fetches in flight (instrumentation).
# completed: main() is added: 20 URLs with max_concurrent=5; prints whether the results
#   are in URL order and the peak number in flight.
import asyncio

in_flight = 0
peak = 0

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    global in_flight, peak
    in_flight += 1; peak = max(peak, in_flight)
    await asyncio.sleep(0.01)  # Simulate I/O
    in_flight -= 1
    return {"url": url, "status": "ok"}

# Limit concurrent operations
async def fetch_with_semaphore(
    urls: list[str],
    max_concurrent: int = 5
) -> list[dict[str, str]]:
    """Limit concurrent requests."""
    semaphore = asyncio.Semaphore(max_concurrent)

    async def fetch_limited(url: str) -> dict[str, str]:
        async with semaphore:
            return await fetch_data(url)

    tasks = [fetch_limited(url) for url in urls]
    return await asyncio.gather(*tasks)

async def main():
    urls = [f"https://example.com/{i}" for i in range(20)]
    results = await fetch_with_semaphore(urls)
    print(f"{len(results)} results, in order: {[r['url'] for r in results] == urls}")
    print(f"never more than 5 at once: {peak <= 5} (peak {peak})")

asyncio.run(main())
