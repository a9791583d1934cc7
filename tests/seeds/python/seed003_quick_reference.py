# Seed 003 (Python Async/Await Patterns), recipe "Quick Reference Commands: Basic
# Patterns" (one-liners, no program).
# weft example: examples/seed003_quick_reference.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed003_quick_reference.weft.txt, whose first line says why)
# completed: constructed program: every one-liner of the block, in its order, inside
#   one main(), with in-process stand-ins for the names it leaves undefined: op1/op2/op3
#   (sleep 0.01-0.03 s, return 1, "two", 3.0), background_work (yields once, prints),
#   operation (sleeps 0.02 s), blocking_func (returns the name of the executor thread
#   it ran on), AsyncResource (prints when opened/closed; operation() returns 42),
#   async_iterator (yields 0, 1, 2) and process (prints the item). The task made by the
#   "fire and forget" line is kept in a variable only so it can be awaited at the end.
import asyncio
import threading

async def op1():
    await asyncio.sleep(0.03)
    return 1

async def op2():
    await asyncio.sleep(0.01)
    return "two"

async def op3():
    await asyncio.sleep(0.02)
    return 3.0

async def background_work():
    await asyncio.sleep(0)
    print("background work done")

async def operation():
    await asyncio.sleep(0.02)
    return "operation finished"

def blocking_func():
    return f"blocking_func ran on {threading.current_thread().name}"

class AsyncResource:
    async def __aenter__(self):
        await asyncio.sleep(0.001)
        print("resource opened")
        return self

    async def __aexit__(self, *exc):
        await asyncio.sleep(0.001)
        print("resource closed")

    async def operation(self):
        await asyncio.sleep(0.001)
        print("resource.operation() -> 42")
        return 42

async def async_iterator():
    for i in range(3):
        await asyncio.sleep(0.001)
        yield i

async def process(item):
    print("async for:", item)

async def main():
    loop = asyncio.get_running_loop()

    # Concurrent execution
    results = await asyncio.gather(op1(), op2(), op3())
    print("gather:", results)

    # Fire and forget
    bg = asyncio.create_task(background_work())

    # Timeout
    result = await asyncio.wait_for(operation(), timeout=5.0)
    print("wait_for:", result)

    # Run blocking code
    result = await loop.run_in_executor(None, blocking_func)
    print("run_in_executor:", result)

    # Async context manager
    async with AsyncResource() as resource:
        await resource.operation()

    # Async iteration
    async for item in async_iterator():
        await process(item)

    await bg

# Run async function
asyncio.run(main())
