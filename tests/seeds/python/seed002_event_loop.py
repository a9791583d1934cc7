# Seed 002 (asyncio cheat sheet), recipe "The event loop — what actually runs".
# weft example: examples/seed002_event_loop.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed002_event_loop.weft.txt, whose first line says why)
# completed: nothing (the seed's program as written). The loop class name is
#   _UnixSelectorEventLoop on Linux/macOS (it would differ on Windows or with uvloop).
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    print("loop:", type(loop).__name__)
    print("running:", loop.is_running())

asyncio.run(main())
