# Seed 004 (Async/Await Patterns in Python), recipe "asyncio.create_task()".
# weft example: examples/seed004_create_task.rs
# completed: fetch_data is the seed's own (from "Async Functions"), with its sleep
#   shortened to 0.2 s (was 1); the "other work" sleep is 0.02 s (was 0.1).
# completed: the seed's named-task lines are at module level, where create_task fails
#   (no running event loop); they are moved into main().
# completed: main() is added: runs process_with_tasks() (prints its results and whether
#   the three fetches overlapped: under 0.4 s, where one after the other would take
#   0.62 s), then the named task (prints its name and result).
import asyncio
import time

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.2)  # Simulate I/O
    return {"url": url, "status": "ok"}

# Create and schedule tasks
async def process_with_tasks() -> list[str]:
    """Create tasks for concurrent execution."""
    task1 = asyncio.create_task(fetch_data("url1"))
    task2 = asyncio.create_task(fetch_data("url2"))
    task3 = asyncio.create_task(fetch_data("url3"))

    # Do other work while tasks run
    await asyncio.sleep(0.02)

    # Wait for all tasks
    result1 = await task1
    result2 = await task2
    result3 = await task3

    return [result1, result2, result3]

async def main():
    t0 = time.perf_counter()
    print(await process_with_tasks())
    print("overlapped:", time.perf_counter() - t0 < 0.4)

    # Task with name (for debugging)
    task = asyncio.create_task(
        fetch_data("url"),
        name="fetch_important_data"
    )
    print(f"task {task.get_name()} -> {await task}")

asyncio.run(main())
