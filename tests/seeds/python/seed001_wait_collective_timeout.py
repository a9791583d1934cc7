# Seed 001 (Async/Await Patterns in Python), recipe "Timeout Patterns", second program:
# "multiple operations with a collective timeout, use asyncio.wait()".
# weft example: examples/seed001_wait_collective_timeout.rs
# completed: durations shortened 10x: operations take 0.1/0.3/0.5 s (were 1/3/5),
#   timeout=0.2 (was 2.0).
import asyncio

async def operation(name, delay):
    await asyncio.sleep(delay)
    return f"{name} done"

async def main():
    tasks = [
        asyncio.create_task(operation("fast", 0.1)),
        asyncio.create_task(operation("medium", 0.3)),
        asyncio.create_task(operation("slow", 0.5)),
    ]
    
    done, pending = await asyncio.wait(
        tasks,
        timeout=0.2,
        return_when=asyncio.ALL_COMPLETED
    )
    
    print(f"Completed: {len(done)}")
    print(f"Pending: {len(pending)}")
    
    # Cancel remaining tasks
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)

asyncio.run(main())
