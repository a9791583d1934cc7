# Seed 001 (Async/Await Patterns in Python), recipe "Producer-Consumer with Queues".
# weft example: examples/seed001_producer_consumer.rs
# completed: sleeps shortened to 0.3x: the producer sleeps 0.15 s per item (was 0.5),
#   a consumer 0.3 s per item (was 1). (Not shorter: a consumer finishes exactly one
#   producer interval after the item meant for the OTHER consumer arrives; a stall of
#   the loop longer than that interval merges the two in one loop iteration, and the
#   finishing consumer then takes the item before the consumer that was woken for it
#   runs, so the assignment changes. Stalls of ~90 ms were seen under load.)
# completed: AS WRITTEN THE SEED NEVER TERMINATES: the producer puts one None sentinel
#   for two consumers; consumer-1 takes it and stops, consumer-2 waits in queue.get()
#   forever, so gather() never returns. To get a program that ends, main() runs the
#   seed's gather under asyncio.wait_for(..., timeout=2.2) (the work is done after about
#   1.8 s) and reports the hang; the consumer prints "<name> got the sentinel and
#   stopped" (added line) when it takes the None. Which consumer gets which item is fixed: each consumer
#   frees up exactly when the item meant for it arrives, and the other one is busy then.
import asyncio

async def producer(queue, n):
    for i in range(n):
        await asyncio.sleep(0.15)
        item = f"item-{i}"
        await queue.put(item)
        print(f"Produced: {item}")
    await queue.put(None)  # Signal completion

async def consumer(queue, name):
    while True:
        item = await queue.get()
        if item is None:
            queue.task_done()
            print(f"{name} got the sentinel and stopped")
            break
        print(f"{name} consumed: {item}")
        await asyncio.sleep(0.3)  # Simulate processing
        queue.task_done()

async def main():
    queue = asyncio.Queue(maxsize=5)
    
    try:
        await asyncio.wait_for(asyncio.gather(
            producer(queue, 10),
            consumer(queue, "consumer-1"),
            consumer(queue, "consumer-2"),
        ), timeout=2.2)
    except TimeoutError:
        print("gather still waiting after 2.2 s: one None sentinel for two consumers, "
              "the other consumer waits in queue.get() forever")

asyncio.run(main())
