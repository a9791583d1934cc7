# Seed 002 (asyncio cheat sheet), recipe "TaskGroup (3.11+)", second program: "If one
# task fails, the group cancels the rest and re-raises every error as an ExceptionGroup".
# weft example: examples/seed002_taskgroup_failure.rs
# completed: nothing (the seed's program as written; slow() is cancelled at once, so it
#   does not take 5 s).
import asyncio

async def fail(): raise ValueError("boom")
async def slow(): await asyncio.sleep(5)

async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(fail())
            tg.create_task(slow())
    except* ValueError as eg:
        for e in eg.exceptions:
            print("caught:", e)

asyncio.run(main())
