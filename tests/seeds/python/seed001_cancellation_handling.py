# Seed 001 (Async/Await Patterns in Python), recipe "Cancellation Handling".
# weft example: examples/seed001_cancellation_handling.rs
# completed: sleeps shortened 4x: the task sleeps 0.25 s per round (was 1), main
#   cancels after 0.75 s (was 3). (Not shorter: the task's rounds are chained, each
#   timer starts when the previous one actually fired, so a late wake-up of more than
#   one round's length under load would cost a "Working..." line.) The seed's third
#   round ends at the same nominal time as main's sleep; in CPython main's timer is
#   always the earlier one (scheduled before the task's first sleep), so main cancels
#   first and "Working..." is printed 3 times, not 4, on every run.
import asyncio

async def cancellable_task():
    try:
        while True:
            print("Working...")
            await asyncio.sleep(0.25)
    except asyncio.CancelledError:
        print("Task cancelled, cleaning up...")
        # Do cleanup here
        raise  # Re-raise if you want cancellation to propagate

async def main():
    task = asyncio.create_task(cancellable_task())
    await asyncio.sleep(0.75)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("Cancellation completed")

asyncio.run(main())
# Output:
# Working...
# Working...
# Working...
# Task cancelled, cleaning up...
# Cancellation completed
