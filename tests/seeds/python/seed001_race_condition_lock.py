# Seed 001 (Async/Await Patterns in Python), recipe "Race Condition Prevention".
# weft example: examples/seed001_race_condition_lock.rs
# completed: nothing (the seed's program as written). Note: increment() never awaits
#   while holding the lock and an uncontended Lock.acquire() does not suspend, so
#   worker A runs its 5 increments before worker B starts.
import asyncio

class Counter:
    def __init__(self):
        self.value = 0
        self.lock = asyncio.Lock()
    
    async def increment(self):
        async with self.lock:
            self.value += 1
            return self.value

async def worker(counter, worker_id):
    for _ in range(5):
        value = await counter.increment()
        print(f"Worker {worker_id} incremented to {value}")

async def main():
    counter = Counter()
    await asyncio.gather(
        worker(counter, "A"),
        worker(counter, "B"),
    )
    print(f"Final value: {counter.value}")

asyncio.run(main())
# Final value will be 10 (not less due to locking)
