# Seed 002 (asyncio cheat sheet), recipe "Event — broadcast a one-shot signal".
# weft example: examples/seed002_event.rs
# completed: nothing (the seed's program as written).
import asyncio

started = asyncio.Event()

async def worker(name: str):
    print(f"{name} waiting…")
    await started.wait()
    print(f"{name} go!")

async def main():
    workers = [asyncio.create_task(worker(f"w{i}")) for i in range(3)]
    await asyncio.sleep(0.1)
    started.set()
    await asyncio.gather(*workers)

asyncio.run(main())
