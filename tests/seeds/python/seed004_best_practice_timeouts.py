# Seed 004 (Async/Await Patterns in Python), recipe "Best Practices: 5. Set Timeouts".
# weft example: examples/seed004_best_practice_timeouts.rs
# completed: the seed's `async with` is at module level (a SyntaxError outside an async
#   function); it is wrapped in main(). fetch_data is the seed's own (from "Async
#   Functions") with the sleep 0.01 s, except 1 s for a URL containing "hang".
#   main() runs the seed's block as written (prints the result), then the same block
#   with timeout 0.05 around a fetch that hangs (TimeoutError).
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(1 if "hang" in url else 0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}

async def main():
    # Always set timeouts for operations
    async with asyncio.timeout(10.0):
        print(await fetch_data("url"))
    try:
        async with asyncio.timeout(0.05):
            print(await fetch_data("hang-url"))
    except TimeoutError:
        print("fetch_data('hang-url'): TimeoutError after 0.05 s")

asyncio.run(main())
