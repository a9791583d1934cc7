# Seed 002 (asyncio cheat sheet), recipe "Producer / consumer pool with TaskGroup".
# weft example: examples/seed002_taskgroup_pool.rs
# completed: the producer sleeps random.uniform(0.0, 0.02) between items, unseeded in
#   the seed; random.seed(1) is added at the start of main() so the sleeps are the same
#   every run.
# completed: the simulated work is LENGTHENED to 0.3 s (was 0.05). With 0.05 s, a stall
#   of the loop of 30-50 ms (seen under load) lets a consumer finish in the same loop
#   iteration in which the producer puts the next item; the finishing consumer then
#   takes it ahead of the consumer that was woken for it (asyncio.Queue lets a running
#   getter overtake a woken one), e.g. "c0 processed 1". With 0.3 s all six items are
#   queued long before any consumer finishes, and the order (c0 0, c1 1, c2 2, c0 3,
#   c1 4, c2 5) does not depend on the random values or on stalls below ~250 ms.
import asyncio
import random

SENTINEL = object()

async def producer(queue: asyncio.Queue, items: int, workers: int):
    for i in range(items):
        await queue.put(i)
        await asyncio.sleep(random.uniform(0.0, 0.02))
    for _ in range(workers):
        await queue.put(SENTINEL)

async def consumer(name: str, queue: asyncio.Queue):
    while True:
        item = await queue.get()
        if item is SENTINEL:
            queue.task_done()
            return
        await asyncio.sleep(0.3)             # simulate work
        print(f"{name} processed {item}")
        queue.task_done()

async def main():
    random.seed(1)
    queue: asyncio.Queue = asyncio.Queue(maxsize=4)
    workers = 3
    async with asyncio.TaskGroup() as tg:
        tg.create_task(producer(queue, items=6, workers=workers))
        for i in range(workers):
            tg.create_task(consumer(f"c{i}", queue))

asyncio.run(main())
