# Seed 004 (Async/Await Patterns in Python), recipe "Lock".
# weft example: examples/seed004_lock.rs
# completed: the simulated work sleeps 0.002 s (was 0.1: 50 increments one after the
#   other would take 5 s); the seed defines main() but never runs it: asyncio.run(main())
#   added.
# completed: an added second part runs the same workers on a counter without the lock
#   (UnlockedCounter: the same read-sleep-write, no lock) and prints whether updates
#   were lost (the final value is below 50; the exact value depends on how the timers
#   group into loop iterations, so it is not printed).
import asyncio

# Protect shared state
class Counter:
    def __init__(self) -> None:
        self._value: int = 0
        self._lock = asyncio.Lock()

    async def increment(self) -> None:
        async with self._lock:
            # Critical section
            current = self._value
            await asyncio.sleep(0.002)  # Simulate work
            self._value = current + 1

    async def get_value(self) -> int:
        async with self._lock:
            return self._value

# Usage
counter = Counter()

async def worker(counter: Counter) -> None:
    for _ in range(10):
        await counter.increment()

async def main() -> None:
    await asyncio.gather(*[worker(counter) for _ in range(5)])
    print(f"Final value: {await counter.get_value()}")

class UnlockedCounter(Counter):
    async def increment(self) -> None:
        current = self._value
        await asyncio.sleep(0.002)
        self._value = current + 1

async def without_lock() -> None:
    c = UnlockedCounter()
    await asyncio.gather(*[worker(c) for _ in range(5)])
    print(f"without the lock: lost updates: {await c.get_value() < 50}")

asyncio.run(main())
asyncio.run(without_lock())
