# Seed 002 (asyncio cheat sheet), recipe "Periodic task with cancellation".
# weft example: examples/seed002_periodic_task.rs
# completed: durations LENGTHENED 4x: every(0.4, ping) and cancel after 1.4 s (the
#   seed's 0.1 and 0.35). The pings are chained (each sleep starts when the previous
#   one actually ended), so with the seed's numbers a total lateness of 50 ms over the
#   first two pings (seen under load) pushes the third past the cancel: 2 pings.
# note: the text says "Wrap in try/finally so cleanup runs", but the code has no
#   try/finally; the cancellation simply ends every() at its sleep.
import asyncio

async def every(interval: float, fn):
    while True:
        await asyncio.sleep(interval)
        try:
            await fn()
        except Exception as e:
            print(f"periodic failed: {e}")

async def ping():
    print("ping")

async def main():
    task = asyncio.create_task(every(0.4, ping))
    await asyncio.sleep(1.4)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass

asyncio.run(main())
