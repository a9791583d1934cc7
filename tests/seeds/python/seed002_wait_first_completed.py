# Seed 002 (asyncio cheat sheet), recipe "wait — first-completed or partial timeout".
# weft example: examples/seed002_wait_first_completed.rs
# completed: delays LENGTHENED 2x (0.2 + i * 0.2 instead of 0.1 + i * 0.1): if a stall
#   of the loop (up to ~90 ms seen under load) lets the first two timers fire in the
#   same loop iteration, both tasks are done when wait() returns and "done: 1" is
#   printed too (in set order). The cancelled tasks are not awaited; asyncio.run()
#   finishes cancelling them at shutdown.
import asyncio

async def task(n: int, delay: float):
    await asyncio.sleep(delay)
    return n

async def main():
    tasks = [asyncio.create_task(task(i, 0.2 + i * 0.2)) for i in range(3)]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in done:
        print("done:", t.result())
    for t in pending:
        t.cancel()

asyncio.run(main())
