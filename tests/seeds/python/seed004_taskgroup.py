# Seed 004 (Async/Await Patterns in Python), recipe "asyncio.TaskGroup() (Python 3.11+,
# Enhanced in 3.14)".
# weft example: examples/seed004_taskgroup.rs
# completed: fetch_data is the seed's own (from "Async Functions"), sleep shortened to
#   0.01 s.
# completed: may_fail_1 and may_fail_2 are not defined by the seed: both raise
#   ValueError, after DIFFERENT sleeps (0.01 s and 0.3 s), so that the order is fixed:
#   may_fail_1 fails first, the group cancels may_fail_2 before it fails, and the
#   except* block sees 1 ValueError. (With equal delays, whether the group sees one
#   failure or two depends on both timers being handled in the same loop iteration.
#   The gap is wide because a stalled loop, ~90 ms under load, handles every expired
#   timer in one iteration.)
# completed: main() is added: fetch_with_taskgroup(3 URLs), then process_batch().
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}

async def may_fail_1():
    await asyncio.sleep(0.01)
    raise ValueError("may_fail_1 failed")

async def may_fail_2():
    await asyncio.sleep(0.3)
    raise ValueError("may_fail_2 failed")

# Structured concurrency with TaskGroup
async def fetch_with_taskgroup(urls: list[str]) -> list[dict[str, str]]:
    """Use TaskGroup for automatic cleanup."""
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch_data(url)) for url in urls]

    # All tasks completed or exception raised
    return [task.result() for task in tasks]

# TaskGroup handles errors properly
async def process_batch() -> None:
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(may_fail_1())
            tg.create_task(may_fail_2())
    except* ValueError as eg:  # Catch exception group
        print(f"Got {len(eg.exceptions)} ValueError exceptions")

async def main():
    print(await fetch_with_taskgroup(["https://a.example", "https://b.example", "https://c.example"]))
    await process_batch()

asyncio.run(main())
