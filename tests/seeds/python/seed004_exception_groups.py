# Seed 004 (Async/Await Patterns in Python), recipe "Exception Groups (Python 3.11+)".
# weft example: examples/seed004_exception_groups.rs
# completed: the seed's try/except* is at module level around a top-level `await`
#   (a SyntaxError outside an async function); it is wrapped in main(). Nothing else.
#   Although process_item never awaits, both "fail2" and "fail3" fail: every child runs
#   its first step before the group reacts to the first failure.
import asyncio

# Handle multiple concurrent failures
async def process_batch(items: list[str]) -> None:
    """Process with exception group."""
    async def process_item(item: str) -> str:
        if "fail" in item:
            raise ValueError(f"Failed: {item}")
        return f"Processed: {item}"

    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(process_item(item)) for item in items]

async def main():
    # Catch specific exceptions from group
    try:
        await process_batch(["item1", "fail2", "fail3"])
    except* ValueError as eg:
        print(f"Got {len(eg.exceptions)} ValueError exceptions")
        for exc in eg.exceptions:
            print(f"  - {exc}")

asyncio.run(main())
