# Seed 004 (Async/Await Patterns in Python), recipe "Improved TaskGroup Error Handling
# (3.14+)".
# weft example: examples/seed004_taskgroup_error_handling.rs
# completed: fetch_data is not defined in this block: a stand-in that sleeps 0.01 s and
#   returns {'url': url, 'status': 'ok'}, or raises ConnectionError("HTTP 500 from
#   <url>") after 0.02 s for a URL containing "bad". process_item is not defined: it
#   sleeps 10 s, counting how many items were cancelled (cleaned up).
# completed: main() is added: fetch_all_improved on three good URLs (prints the
#   results), then on a list with a bad URL. In the seed's code a failing fetch makes
#   the TaskGroup itself raise an ExceptionGroup (and cancel the other fetches) before
#   the per-task loop runs, so the loop's "Task ... failed" branch is dead code: main()
#   catches and prints the group instead. Then cancelable_batch_processing(3 items) runs
#   as a task and is cancelled after 0.05 s: the group cancels its children (their
#   cancellation order follows a set's iteration order, so it is not printed; only the
#   count), the seed's except branch prints, and the task ends cancelled.
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    if "bad" in url:
        await asyncio.sleep(0.02)
        raise ConnectionError(f"HTTP 500 from {url}")
    await asyncio.sleep(0.01)
    return {"url": url, "status": "ok"}

cleaned_up = 0

async def process_item(item: str) -> None:
    global cleaned_up
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        cleaned_up += 1
        raise

# Enhanced TaskGroup with better exception aggregation
async def fetch_all_improved(urls: list[str]) -> list[dict[str, str]]:
    """Better error handling and cancellation in TaskGroup."""
    results = []
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(fetch_data(url), name=f"fetch-{url}") for url in urls]

    # Better exception context in 3.14 - includes task names in traceback
    for task in tasks:
        try:
            results.append(task.result())
        except Exception as e:
            # Enhanced error messages show which task failed
            print(f"Task {task.get_name()} failed: {e}")
            results.append({"error": str(e)})

    return results

# Improved cancellation propagation
async def cancelable_batch_processing(items: list[str]) -> None:
    """Better cancellation handling in 3.14."""
    try:
        async with asyncio.TaskGroup() as tg:
            for item in items:
                tg.create_task(process_item(item))
    except asyncio.CancelledError:
        # In 3.14, cancellation is more graceful and predictable
        print("Batch cancelled, all tasks properly cleaned up")
        raise

async def main():
    for r in await fetch_all_improved(["https://a.example", "https://b.example", "https://c.example"]):
        print(r)
    try:
        await fetch_all_improved(["https://a.example", "https://bad.example", "https://c.example"])
    except* ConnectionError as eg:
        print(f"fetch_all_improved raised {type(eg).__name__}: {eg}")
        for e in eg.exceptions:
            print(f"  {type(e).__name__}: {e}")
    batch = asyncio.create_task(cancelable_batch_processing(["x", "y", "z"]))
    await asyncio.sleep(0.05)
    batch.cancel()
    try:
        await batch
    except asyncio.CancelledError:
        print(f"children cleaned up: {cleaned_up}")
        print(f"batch task ended cancelled: {batch.cancelled()}")

asyncio.run(main())
