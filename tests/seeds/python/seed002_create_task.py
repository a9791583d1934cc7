# Seed 002 (asyncio cheat sheet), recipe "create_task — fire and forget".
# weft example: examples/seed002_create_task.rs
# completed: nothing (the seed's program as written).
import asyncio

async def background_job(name: str):
    await asyncio.sleep(0.1)
    print(f"[bg] {name} done")

async def main():
    task = asyncio.create_task(background_job("cleanup"))
    print("Main work happening...")
    await asyncio.sleep(0.05)
    print("More main work...")
    await task          # wait for it before exiting

asyncio.run(main())
