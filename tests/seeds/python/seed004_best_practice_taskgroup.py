# Seed 004 (Async/Await Patterns in Python), recipe "Best Practices: 4. Use TaskGroup for
# Structured Concurrency".
# weft example: examples/seed004_best_practice_taskgroup.rs
# completed: the seed's `async with` is at module level (a SyntaxError outside an async
#   function); it is wrapped in main(). task1 and task2 are not defined: task1 sleeps
#   0.05 s, task2 0.01 s; each prints when done. A line after the block shows both are
#   done when it exits.
import asyncio

async def task1():
    await asyncio.sleep(0.05)
    print("task1 done")

async def task2():
    await asyncio.sleep(0.01)
    print("task2 done")

async def main():
    # Prefer TaskGroup
    async with asyncio.TaskGroup() as tg:
        tg.create_task(task1())
        tg.create_task(task2())
    # Automatic cleanup and error handling
    print("task group exited: both tasks finished")

asyncio.run(main())
