# Seed 004 (Async/Await Patterns in Python), recipe "Task Cancellation".
# weft example: examples/seed004_task_cancellation.rs
# completed: sleeps shortened 4x: 0.25 s per round (was 1), cancel after 0.75 s (was
#   3); asyncio.run(manage_task()) added (the seed never runs it). (Not shorter: the
#   rounds are chained, so a first wake-up late by more than a round would cost a
#   "Working..." line.) The third round ends
#   at the same nominal time as manage_task's sleep; in CPython manage_task's timer is
#   always the earlier one (scheduled before the task's first sleep; each round's timer
#   starts from when the previous one actually fired), so the task is cancelled before
#   its third print: "Working..." twice, every run.
import asyncio

async def long_running_task() -> None:
    """Long running task that can be cancelled."""
    try:
        while True:
            await asyncio.sleep(0.25)
            print("Working...")
    except asyncio.CancelledError:
        print("Task cancelled")
        # Cleanup
        raise  # Re-raise to propagate cancellation

# Cancel task
async def manage_task() -> None:
    task = asyncio.create_task(long_running_task())

    await asyncio.sleep(0.75)

    # Cancel task
    task.cancel()

    try:
        await task
    except asyncio.CancelledError:
        print("Task was cancelled")

asyncio.run(manage_task())
