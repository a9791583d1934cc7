# Seed 004 (Async/Await Patterns in Python), recipe "Task Completion Tracking".
# weft example: examples/seed004_task_completion.rs
# completed: main() is added: three tasks sleeping 0.01, 0.4 and 2 s (returning 10, 400,
#   2000, their ms); wait_for_any on them, then (on three fresh tasks)
#   wait_for_all_with_timeout with timeout 0.8. (Gaps of 0.39 s and more: a stalled
#   loop handles all expired timers in one iteration, and two tasks would then be done
#   when FIRST_COMPLETED returns.) For each: the results of the done set
#   (sorted: sets have no order), how many were pending, and, after awaiting the
#   pending ones, how many ended cancelled (the recipe cancels them but does not wait).
import asyncio

async def wait_for_any(tasks: list[asyncio.Task]) -> tuple[set, set]:
    """Wait for any task to complete."""
    done, pending = await asyncio.wait(
        tasks,
        return_when=asyncio.FIRST_COMPLETED
    )

    # Cancel remaining tasks
    for task in pending:
        task.cancel()

    return done, pending

# Wait for all with timeout
async def wait_for_all_with_timeout(
    tasks: list[asyncio.Task],
    timeout: float
) -> tuple[set, set]:
    """Wait for all tasks with timeout."""
    done, pending = await asyncio.wait(
        tasks,
        timeout=timeout
    )

    # Cancel pending tasks
    for task in pending:
        task.cancel()

    return done, pending

async def job(ms: int) -> int:
    await asyncio.sleep(ms / 1000)
    return ms

async def report(name, done, pending):
    print(f"{name}: done {sorted(t.result() for t in done)}, pending {len(pending)}")
    await asyncio.gather(*pending, return_exceptions=True)
    print(f"cancelled pending tasks ended cancelled: {sum(t.cancelled() for t in pending)}")

async def main():
    tasks = [asyncio.create_task(job(ms)) for ms in (10, 400, 2000)]
    await report("wait_for_any", *await wait_for_any(tasks))
    tasks = [asyncio.create_task(job(ms)) for ms in (10, 400, 2000)]
    await report("wait_for_all_with_timeout", *await wait_for_all_with_timeout(tasks, 0.8))

asyncio.run(main())
