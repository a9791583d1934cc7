# Seed 004 (Async/Await Patterns in Python), recipe "Queue".
# weft example: examples/seed004_queue.rs
# completed: sleeps shortened 10x (producer 0.01 s, consumer 0.02 s); the seed defines
#   main() but never runs it: asyncio.run(main()) added; one line added at the end of
#   main() to show that queue.join() returned and nothing is left unfinished.
import asyncio
from asyncio import Queue

# Producer-consumer pattern
async def producer(queue: Queue[str], n: int) -> None:
    """Produce items."""
    for i in range(n):
        item = f"item_{i}"
        await queue.put(item)
        await asyncio.sleep(0.01)

    # Signal completion
    await queue.put(None)

async def consumer(queue: Queue[str | None]) -> None:
    """Consume items."""
    while True:
        item = await queue.get()
        if item is None:  # Completion signal
            queue.task_done()
            break

        print(f"Processing {item}")
        await asyncio.sleep(0.02)
        queue.task_done()

async def main() -> None:
    queue: Queue[str | None] = Queue(maxsize=10)

    await asyncio.gather(
        producer(queue, 5),
        consumer(queue)
    )

    await queue.join()  # Wait for all items to be processed
    print(f"all items processed; queue empty: {queue.empty()}")

asyncio.run(main())
