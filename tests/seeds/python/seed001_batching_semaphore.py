# Seed 001 (Async/Await Patterns in Python), recipe "Batching with Semaphores".
# weft example: examples/seed001_batching_semaphore.rs
# completed: the simulated request sleeps 0.05 s (was 0.5, 10x shorter).
# completed: added a second line, printed after the seed's, that reports the largest
#   number of fetches inside the semaphore at once (instrumentation: a counter around
#   the simulated request), to show the limit of 3 held.
import asyncio

active = 0
peak = 0

async def fetch_url(semaphore, url):
    global active, peak
    async with semaphore:
        # Only 3 requests run at a time
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)  # Simulated request
        active -= 1
        return f"Data from {url}"

async def main():
    semaphore = asyncio.Semaphore(3)  # Max 3 concurrent
    urls = [f"api.example.com/item/{i}" for i in range(10)]
    
    tasks = [fetch_url(semaphore, url) for url in urls]
    results = await asyncio.gather(*tasks)
    
    print(f"Fetched {len(results)} URLs")
    print(f"at most {peak} at once; results in order: {results == [f'Data from {u}' for u in urls]}")

asyncio.run(main())
