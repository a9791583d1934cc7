# Seed 002 (asyncio cheat sheet), recipe "Cancellation and CancelledError".
# weft example: examples/seed002_cancellation.rs
# completed: nothing (the seed's program as written).
import asyncio

async def cancellable():
    try:
        print("started")
        await asyncio.sleep(5)
        print("never reached")
    except asyncio.CancelledError:
        print("cleaning up")
        raise           # always re-raise!

async def main():
    task = asyncio.create_task(cancellable())
    await asyncio.sleep(0.1)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("confirmed cancelled")

asyncio.run(main())
