# Seed 003 (Python Async/Await Patterns), recipe "Pitfall 5: Sequential Instead of
# Concurrent".
# weft example: examples/seed003_sequential_vs_concurrent.rs
# completed: urls and fetch are not defined by the seed: five URLs, and an in-process
#   fetch that sleeps 0.1 s and returns "data from <url>".
# completed: main() is added: runs both, prints the number of results and the elapsed
#   time (wildcarded), and whether the concurrent run took less than half as long
#   (sequential: about 0.5 s; concurrent: about 0.1 s).
# wildcard: results in (\d+) ms$
import asyncio
import time

urls = [f"https://example.com/{i}" for i in range(5)]

async def fetch(url):
    await asyncio.sleep(0.1)
    return f"data from {url}"

# ❌ BAD - runs sequentially (slow)
async def sequential():
    results = []
    for url in urls:
        results.append(await fetch(url))  # One at a time
    return results

# ✅ GOOD - runs concurrently (fast)
async def concurrent():
    tasks = [fetch(url) for url in urls]
    return await asyncio.gather(*tasks)  # All at once

async def main():
    t0 = time.perf_counter()
    seq = await sequential()
    t1 = time.perf_counter()
    con = await concurrent()
    t2 = time.perf_counter()
    print(f"sequential: {len(seq)} results in {round((t1 - t0) * 1000)} ms")
    print(f"concurrent: {len(con)} results in {round((t2 - t1) * 1000)} ms")
    print("same results:", seq == con)
    print("concurrent took less than half as long:", (t2 - t1) < (t1 - t0) / 2)

asyncio.run(main())
