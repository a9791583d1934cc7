# Seed 003 (Python Async/Await Patterns), recipe "Pattern 4: Run Blocking Code with
# run_in_executor()".
# weft example: examples/seed003_run_in_executor.rs
# completed: compute_heavy is not defined by the seed: a module-level function (so the
#   process pool can pickle it) returning sum(x * x for x in data).
# completed: main() is added: it writes a temporary file and reads it back with
#   read_file_async, then runs compute_intensive_async(list(range(100_000))), while a
#   heartbeat task ticks each time the loop gives it a turn (asyncio.sleep(0) in a
#   loop); it prints whether the heartbeat ticked while the blocking work ran (it does:
#   the loop was not blocked while waiting for either). A turn, not a timer: whether a
#   1 ms timer fires during the work depends on how fast the work is (a sum of 100,000
#   squares takes well under a millisecond in Rust), whereas a task that waits for an
#   executor always gives the ready heartbeat at least one turn.
import asyncio
import os
import tempfile

# Run blocking I/O in thread pool
async def read_file_async(path: str) -> str:
    """Read file without blocking event loop."""
    loop = asyncio.get_running_loop()

    def blocking_read():
        with open(path, 'r') as f:
            return f.read()

    return await loop.run_in_executor(None, blocking_read)

def compute_heavy(data: list[int]) -> int:
    return sum(x * x for x in data)

# Run CPU-bound work in process pool
async def compute_intensive_async(data: list[int]) -> int:
    """Run CPU-bound work in process pool."""
    from concurrent.futures import ProcessPoolExecutor

    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor() as pool:
        return await loop.run_in_executor(pool, compute_heavy, data)

ticks = 0

async def heartbeat():
    global ticks
    while True:
        await asyncio.sleep(0)
        ticks += 1

async def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.txt")
        with open(path, "w") as f:
            f.write("hello from a blocking read")
        hb = asyncio.create_task(heartbeat())
        await asyncio.sleep(0)
        text = await read_file_async(path)
        print(f"read {len(text)} bytes: {text}")
        print("compute_heavy:", await compute_intensive_async(list(range(100_000))))
        hb.cancel()
        print("heartbeat kept ticking while the blocking work ran:", ticks > 0)

asyncio.run(main())
