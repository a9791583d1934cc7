# Seed 002 (asyncio cheat sheet), recipe "Shielding from cancellation".
# weft example: examples/seed002_shield.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed002_shield.weft.txt, whose first line says why)
# completed: AS WRITTEN THE SEED FAILS: asyncio.create_task() needs a coroutine, and
#   asyncio.shield() returns a Future, so main() raises TypeError ("a coroutine was
#   expected, got <Future pending ...>") before printing anything, and the program exits
#   with a traceback. This file runs the seed's main() as written and prints the error
#   (the path inside the Future's repr is wildcarded: it names the local CPython
#   install), then runs main_fixed(), the seed's main() with the one change needed,
#   create_task(critical_flush()) (the task is what the second shield protects), which
#   prints the seed's stated output.
# wildcard: cb=\[(.*)\]>$
import asyncio

async def critical_flush():
    await asyncio.sleep(0.2)
    return "flushed"

async def main():
    task = asyncio.create_task(asyncio.shield(critical_flush()))
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=0.05)
    except asyncio.TimeoutError:
        print("outer timed out, but shielded task continues")
    print("final:", await task)

async def main_fixed():
    task = asyncio.create_task(critical_flush())
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=0.05)
    except asyncio.TimeoutError:
        print("outer timed out, but shielded task continues")
    print("final:", await task)

try:
    asyncio.run(main())
except TypeError as e:
    print(f"seed's main() raised TypeError: {e}")
asyncio.run(main_fixed())
