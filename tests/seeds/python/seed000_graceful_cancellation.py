# Seed 000 (Python Async Fundamentals), recipe "Graceful Cancellation".
# weft example: examples/seed000_graceful_cancellation.rs
# completed: do_work and cleanup are not defined by the seed: do_work prints
#   "work round N" (and, after round 2, sets the `progress` event the added drivers
#   wait for); cleanup prints "cleaning up", sleeps 0.01 s, prints "cleanup done".
# completed: the worker's sleep(1) is shortened to sleep(0.1).
# completed: the seed's main() is run as written. It sets the event right after
#   creating the task, so the task sees the event set before its first round and does
#   no work; the program prints that. Two added drivers show the other exits, and wait
#   for the worker's second round (the `progress` event) rather than for a fixed time,
#   so what they print does not depend on timing: the event set "later" (the worker
#   finishes the round it is sleeping in, round 3, then leaves its loop), and
#   task.cancel() (the except branch awaits cleanup() and re-raises; awaiting the task
#   raises CancelledError).
import asyncio

rounds = 0
progress: asyncio.Event | None = None

async def do_work() -> None:
    global rounds
    rounds += 1
    print(f"work round {rounds}")
    if rounds == 2 and progress is not None:
        progress.set()

async def cleanup() -> None:
    print("cleaning up")
    await asyncio.sleep(0.01)
    print("cleanup done")

async def cancellable_task(should_cancel: asyncio.Event) -> None:
    """Task that can be gracefully cancelled."""
    try:
        while not should_cancel.is_set():
            await asyncio.sleep(0.1)
            # Do work
            await do_work()
    except asyncio.CancelledError:
        # Cleanup before cancellation
        await cleanup()
        raise

async def main():
    cancel_event = asyncio.Event()
    task = asyncio.create_task(cancellable_task(cancel_event))

    # Later: signal cancellation gracefully
    cancel_event.set()
    await task

async def main_set_later():
    global progress
    progress = asyncio.Event()
    cancel_event = asyncio.Event()
    task = asyncio.create_task(cancellable_task(cancel_event))
    await progress.wait()
    cancel_event.set()
    print("event set")
    await task

async def main_cancel():
    global progress
    progress = asyncio.Event()
    cancel_event = asyncio.Event()
    task = asyncio.create_task(cancellable_task(cancel_event))
    await progress.wait()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("task ended cancelled")

asyncio.run(main())
print(f"seed main: task finished after {rounds} rounds of work")
rounds = 0
asyncio.run(main_set_later())
print(f"set later: task finished gracefully after {rounds} rounds of work")
rounds = 0
asyncio.run(main_cancel())
print(f"cancelled: after {rounds} rounds of work")
