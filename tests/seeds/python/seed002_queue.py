# Seed 002 (asyncio cheat sheet), recipe "Producer / consumer with Queue".
# weft example: examples/seed002_queue.rs
# completed: nothing (the seed's program as written). Note: the consumer does not call
#   task_done() for the None sentinel (harmless here: nothing calls queue.join()).
import asyncio

async def producer(queue: asyncio.Queue, items: list):
    for item in items:
        await queue.put(item)
        print(f"Produced: {item}")
        await asyncio.sleep(0.05)
    await queue.put(None)   # sentinel

async def consumer(queue: asyncio.Queue):
    while True:
        item = await queue.get()
        if item is None:
            break
        print(f"  Consumed: {item}")
        queue.task_done()

async def main():
    queue: asyncio.Queue = asyncio.Queue(maxsize=2)
    await asyncio.gather(
        producer(queue, ["a", "b", "c"]),
        consumer(queue),
    )

asyncio.run(main())
