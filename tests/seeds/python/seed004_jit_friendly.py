# Seed 004 (Async/Await Patterns in Python), recipe "JIT-Friendly Async Patterns (3.14+)".
# weft example: examples/seed004_jit_friendly.rs
# completed: fetch_data is not defined in this block: a stand-in that sleeps
#   (4 - i) * 0.01 s for URL i (later URLs answer sooner) and returns "page-<i>".
# completed: main() is added: jit_optimized_loop(list(range(1000))) while a ticker task
#   counts its turns (it yields with asyncio.sleep(0) in a loop; the loop's
#   asyncio.sleep(0) every 100 items gives it those turns), then
#   jit_friendly_fetch(4 URLs).
import asyncio

async def fetch_data(url: str) -> str:
    i = int(url.rsplit("/", 1)[1])
    await asyncio.sleep((4 - i) * 0.01)
    return f"page-{i}"

# Write async code that plays well with JIT compiler
async def jit_optimized_loop(items: list[int]) -> int:
    """Async loop optimized for JIT compilation."""
    total = 0
    # Avoid excessive dynamic dispatch - JIT can optimize better
    process = lambda x: x * 2  # Inline simple operations

    for item in items:
        # JIT can optimize tight loops with minimal async overhead
        if item % 100 == 0:
            await asyncio.sleep(0)  # Yield control periodically
        total += process(item)

    return total

# Avoid anti-patterns that hurt JIT performance
async def jit_friendly_fetch(urls: list[str]) -> list[str]:
    """Fetch pattern that JIT compiler can optimize."""
    # Pre-allocate results list (helps JIT)
    results: list[str] = [""] * len(urls)

    async with asyncio.TaskGroup() as tg:
        for i, url in enumerate(urls):
            # Use closure to capture index (JIT-friendly)
            async def fetch_and_store(idx: int, u: str) -> None:
                results[idx] = await fetch_data(u)

            tg.create_task(fetch_and_store(i, url))

    return results

ticks = 0

async def ticker():
    global ticks
    while True:
        await asyncio.sleep(0)
        ticks += 1

async def main():
    t = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    total = await jit_optimized_loop(list(range(1000)))
    print(f"jit_optimized_loop: total {total}, the ticker ran {ticks - before} times during the loop")
    t.cancel()
    print("jit_friendly_fetch:", await jit_friendly_fetch([f"https://example.com/{i}" for i in range(4)]))

asyncio.run(main())
