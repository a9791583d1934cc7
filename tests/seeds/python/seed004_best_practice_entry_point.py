# Seed 004 (Async/Await Patterns in Python), recipe "Best Practices: 2. Use
# asyncio.run() for Entry Point".
# weft example: examples/seed004_best_practice_entry_point.rs
# completed: fetch_data is the seed's own (from "Async Functions"), its sleep shortened
#   to 0.01 s; `asyncio` is imported.
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}

# Entry point
async def main() -> None:
    result = await fetch_data("url")
    print(result)

if __name__ == "__main__":
    asyncio.run(main())
