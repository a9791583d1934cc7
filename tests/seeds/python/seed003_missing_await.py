# Seed 003 (Python Async/Await Patterns), recipe "Pitfall 2: Missing await".
# weft example: examples/seed003_missing_await.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed003_missing_await.weft.txt, whose first line says why)
# completed: fetch_data is called with no argument here (unlike the seed's own
#   fetch_data(url), which would make `fetch_data()` raise TypeError at the call): an
#   in-process stand-in that counts its runs, sleeps 0.01 s and returns
#   {'data': 'payload'}.
# completed: main() is added: runs bad_fetch() and good_fetch(), printing after each
#   how many times fetch_data's body ran. The "coroutine ... was never awaited"
#   RuntimeWarning, which CPython writes to stderr when the unawaited coroutine object
#   is garbage-collected (here: when bad_fetch returns), is redirected to stdout by a
#   warnings.showwarning hook so that it is part of the expected output.
# wildcard: <coroutine object fetch_data at (0x[0-9a-f]+)>
import asyncio
import warnings

warnings.showwarning = lambda message, category, *args, **kwargs: print(
    f"{category.__name__}: {message}")

runs = 0

async def fetch_data():
    global runs
    runs += 1
    await asyncio.sleep(0.01)
    return {"data": "payload"}

# ❌ BAD - missing await
async def bad_fetch():
    result = fetch_data()  # Returns coroutine object, not data!
    print(result)  # <coroutine object...>

# ✅ GOOD - properly awaited
async def good_fetch():
    result = await fetch_data()  # Actually executes
    print(result)  # {'data': ...}

async def main():
    await bad_fetch()
    print(f"fetch_data ran {runs} times")
    await good_fetch()
    print(f"fetch_data ran {runs} times")

asyncio.run(main())
