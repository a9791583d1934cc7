# Seed 002 (asyncio cheat sheet), recipe "TaskGroup (3.11+) — structured concurrency".
# weft example: examples/seed002_taskgroup.rs
# completed: nothing (the seed's program as written).
import asyncio

async def fetch(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"{name}-result"

async def main():
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(fetch("alpha", 0.1))
        t2 = tg.create_task(fetch("beta",  0.2))
        t3 = tg.create_task(fetch("gamma", 0.05))
    # All tasks have completed at this point
    print([t1.result(), t2.result(), t3.result()])

asyncio.run(main())
