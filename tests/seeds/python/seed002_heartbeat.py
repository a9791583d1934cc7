# Seed 002 (asyncio cheat sheet), recipe "Heartbeat task alongside main work".
# weft example: examples/seed002_heartbeat.rs
# completed: durations shortened 2.5x: heartbeat(0.4) (was 1.0), real_work sleeps
#   1.0 s (was 2.5): ticks at 0.4 and 0.8 s, work done at 1.0 s. (Not shorter: the
#   ticks are chained, so a late first tick delays the second; it must stay before the
#   end of the work.)
import asyncio
import time

async def heartbeat(interval: float = 1.0):
    try:
        n = 0
        while True:
            await asyncio.sleep(interval)
            n += 1
            print(f"  ♥ tick {n}")
    except asyncio.CancelledError:
        print("  ♥ stopped")
        raise

async def real_work():
    await asyncio.sleep(1.0)
    return "work complete"

async def main():
    hb = asyncio.create_task(heartbeat(0.4))
    try:
        print(await real_work())
    finally:
        hb.cancel()
        try:
            await hb
        except asyncio.CancelledError:
            pass

asyncio.run(main())
