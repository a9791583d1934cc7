# Seed 003 (Python Async/Await Patterns), recipe "Pitfall 4: Mixing Async and Sync".
# weft example: examples/seed003_mixing_async_sync.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed003_mixing_async_sync.weft.txt, whose first line says why)
# completed: the BAD function cannot be part of a program (`await` in a plain def is a
#   SyntaxError at compile time): its source is compiled with compile() and the
#   SyntaxError's message printed.
# completed: fetch_data is called with no argument: an in-process stand-in that sleeps
#   0.01 s and returns "fetched".
# completed: a driver is added: async_function() run by asyncio.run, then
#   sync_entry_point() called from sync code (works), then sync_entry_point() called from
#   inside a running loop, which raises RuntimeError (and leaves the coroutine it was
#   given unawaited: CPython's RuntimeWarning about it goes to stderr).
import asyncio

BAD_SOURCE = '''
def sync_function():
    result = await fetch_data()  # SyntaxError
'''

try:
    compile(BAD_SOURCE, "<pitfall 4>", "exec")
except SyntaxError as e:
    print(f"BAD sync_function: SyntaxError: {e.msg} (line {e.lineno})")

async def fetch_data():
    await asyncio.sleep(0.01)
    return "fetched"

# ✅ GOOD - make function async
async def async_function():
    result = await fetch_data()
    return result

# ✅ GOOD - use asyncio.run (entry point only)
def sync_entry_point():
    result = asyncio.run(fetch_data())
    return result

print("GOOD async_function:", asyncio.run(async_function()))
print("GOOD sync_entry_point:", sync_entry_point())

async def main():
    try:
        sync_entry_point()
    except RuntimeError as e:
        print(f"sync_entry_point inside a running loop: RuntimeError: {e}")

asyncio.run(main())
