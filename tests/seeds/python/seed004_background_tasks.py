# Seed 004 (Async/Await Patterns in Python), recipe "Background Tasks".
# weft example: examples/seed004_background_tasks.rs
# completed: background_job_1, background_job_2 and main_work are not defined by the
#   seed: job 1 sleeps 0.005 s and prints; job 2 sleeps 0.5 s and raises
#   OSError("disk full"); main_work sleeps 0.3 s. asyncio.run(main()) is added, and
#   prints around the seed's main() lines report how many tasks the set still tracks.
# note: wait_all() gathers with return_exceptions=True and throws the results away, so
#   job 2's failure is silently swallowed: nothing reports it (and CPython does not
#   log "Task exception was never retrieved" either, since gather retrieved it).
import asyncio

class BackgroundTasks:
    """Manage background tasks."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def create_task(self, coro):
        """Create and track background task."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_all(self) -> None:
        """Wait for all background tasks."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

async def background_job_1():
    await asyncio.sleep(0.005)
    print("background_job_1 done")

async def background_job_2():
    await asyncio.sleep(0.5)
    raise OSError("disk full")

async def main_work():
    await asyncio.sleep(0.3)
    print("main work done")

# Usage
tasks = BackgroundTasks()

async def main() -> None:
    # Start background tasks
    tasks.create_task(background_job_1())
    tasks.create_task(background_job_2())
    print(f"tasks tracked: {len(tasks._tasks)}")

    # Do main work
    await main_work()
    print(f"tasks still tracked: {len(tasks._tasks)}")

    # Wait for background tasks
    await tasks.wait_all()
    print(f"all background tasks finished; tracked: {len(tasks._tasks)}")

asyncio.run(main())
