# Seed 004 (Async/Await Patterns in Python), recipe "Event".
# weft example: examples/seed004_event.rs
# completed: the producer sleeps 0.01 s (was 1); the seed defines main() but never runs
#   it: asyncio.run(main()) added.
import asyncio

# Signal between coroutines
class DataProcessor:
    def __init__(self) -> None:
        self._data_ready = asyncio.Event()
        self._data: list[str] = []

    async def producer(self) -> None:
        """Produce data."""
        await asyncio.sleep(0.01)
        self._data = ["item1", "item2", "item3"]
        self._data_ready.set()  # Signal data is ready

    async def consumer(self) -> None:
        """Wait for and consume data."""
        await self._data_ready.wait()  # Wait for signal
        print(f"Processing {len(self._data)} items")

# Usage
async def main() -> None:
    processor = DataProcessor()
    await asyncio.gather(
        processor.producer(),
        processor.consumer()
    )

asyncio.run(main())
