# Seed 003 (Python Async/Await Patterns), recipe "Pitfall 1: Blocking the Event Loop"
# (a table of Problem Code / Fixed Code one-liners, no program).
# weft example: examples/seed003_blocking_the_loop.rs
# completed: constructed program (the seed has only the table): a heartbeat task ticks
#   every 2 ms; each row's BAD and GOOD version runs about 40 ms of "work" while the
#   heartbeat's ticks are counted:
#   row 1: time.sleep(0.04) vs await asyncio.sleep(0.04);
#   row 2: urllib.request.urlopen (requests is not installed; same blocking socket I/O)
#          vs the aiohttp stand-in from _http_stub.py, against a local server this
#          program starts on 127.0.0.1 that answers after 0.04 s;
#   row 3: open(file).read() of a "slow disk" (the read sleeps 0.04 s first) vs
#          await loop.run_in_executor(None, blocking_read);
#   row 4: 40 ms of CPU work (a busy loop) vs await loop.run_in_executor(pool,
#          cpu_work) with a ProcessPoolExecutor.
#   BAD versions block the loop: the heartbeat ticks 0 times. GOOD versions let it run;
#   the exact count varies, so only "kept ticking" (count > 0) is printed.
import asyncio
import concurrent.futures
import os
import tempfile
import time
import urllib.request
from _http_stub import aiohttp, start_server

ticks = 0

async def heartbeat():
    global ticks
    while True:
        await asyncio.sleep(0.002)
        ticks += 1

def blocking_read(path):
    time.sleep(0.04)  # a slow disk / NFS mount
    with open(path) as f:
        return f.read()

def cpu_work():
    end = time.perf_counter() + 0.04
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n

async def measure(label, coro_fn, good):
    start = ticks
    await coro_fn()
    n = ticks - start
    if good:
        print(f"GOOD {label}: heartbeat kept ticking: {n > 0}")
    else:
        print(f"BAD  {label}: heartbeat ticked {n} times")

async def main(path, port):
    hb = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()

    async def bad_sleep():
        time.sleep(0.04)

    async def good_sleep():
        await asyncio.sleep(0.04)

    async def bad_get():
        urllib.request.urlopen(f"http://127.0.0.1:{port}/").read()

    async def good_get():
        async with aiohttp.ClientSession() as s:
            await s.get("http://api.example.com/")

    async def bad_read():
        blocking_read(path)

    async def good_read():
        await loop.run_in_executor(None, blocking_read, path)

    async def bad_cpu():
        cpu_work()

    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        await loop.run_in_executor(pool, int)  # start the worker process first

        async def good_cpu():
            await loop.run_in_executor(pool, cpu_work)

        await measure("time.sleep(0.04)", bad_sleep, False)
        await measure("await asyncio.sleep(0.04)", good_sleep, True)
        await measure("urllib (blocking HTTP GET)", bad_get, False)
        await measure("aiohttp-style async GET", good_get, True)
        await measure("open(file).read()", bad_read, False)
        await measure("await loop.run_in_executor(None, blocking_read)", good_read, True)
        await measure("heavy CPU work in the coroutine", bad_cpu, False)
        await measure("await loop.run_in_executor(pool, cpu_work)", good_cpu, True)
    hb.cancel()

port = start_server(lambda method, host, path, body: (200, "ok", 0.04))
with tempfile.TemporaryDirectory() as tmp:
    p = os.path.join(tmp, "file.txt")
    with open(p, "w") as f:
        f.write("contents")
    asyncio.run(main(p, port))
