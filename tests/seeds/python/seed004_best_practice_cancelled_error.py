# Seed 004 (Async/Await Patterns in Python), recipe "Best Practices: 3. Handle
# CancelledError".
# weft example: examples/seed004_best_practice_cancelled_error.rs
# completed: long_operation (sleeps 10 s) and cleanup (prints, sleeps 0.01 s, prints)
#   are not defined by the seed; `asyncio` is imported. main() is added: it runs task()
#   as a task, cancels it after 0.05 s and awaits it.
import asyncio

async def long_operation():
    await asyncio.sleep(10)

async def cleanup():
    print("cleanup: started")
    await asyncio.sleep(0.01)
    print("cleanup: done")

async def task() -> None:
    try:
        await long_operation()
    except asyncio.CancelledError:
        # Cleanup
        await cleanup()
        raise  # Re-raise

async def main():
    t = asyncio.create_task(task())
    await asyncio.sleep(0.05)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print(f"task ended cancelled: {t.cancelled()}")

asyncio.run(main())
