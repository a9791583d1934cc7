# Seed 002 (asyncio cheat sheet), recipe "asyncio vs threads vs concurrent.futures"
# (ProcessPoolExecutor with run_in_executor).
# weft example: examples/seed002_process_pool.rs
# completed: nothing (the seed's program as written); the elapsed time is wildcarded.
#   Note: the seed has no `if __name__ == "__main__":` guard; that works with the
#   "fork" start method (CPython 3.13's default on Linux), not with "spawn" (macOS,
#   Windows) or "forkserver" (Linux default from 3.14), which re-import the main module.
# wildcard: in (\d+\.\d+)s$
import asyncio
import concurrent.futures
import time

def cpu_work(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total

async def main():
    loop = asyncio.get_running_loop()
    with concurrent.futures.ProcessPoolExecutor() as pool:
        start = time.perf_counter()
        results = await asyncio.gather(*(
            loop.run_in_executor(pool, cpu_work, 1_000_000)
            for _ in range(4)
        ))
        print(f"{len(results)} results in {time.perf_counter()-start:.2f}s")

asyncio.run(main())
