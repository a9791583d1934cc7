# Seed 003 (Python Async/Await Patterns), recipe "Pitfall 3: Event Loop Closed".
# weft example: examples/seed003_single_event_loop.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed003_single_event_loop.weft.txt, whose first line says why)
# completed: fetch1 and fetch2 are not defined by the seed: in-process stand-ins that
#   sleep 0.01 s and return "fetch1-data" / "fetch2-data"; prints added for the results.
# completed: THE SEED'S "BAD" CODE DOES NOT FAIL IN CPYTHON 3.13: each asyncio.run()
#   creates a fresh event loop and closes it, so two calls in a row both work; there is
#   no "Event loop is closed" error. That error comes when an object tied to the first
#   run's loop is used in the second run: an added third part shows it with a small
#   client that remembers the loop it was created in (as some client libraries do).
import asyncio

async def fetch1():
    await asyncio.sleep(0.01)
    return "fetch1-data"

async def fetch2():
    await asyncio.sleep(0.01)
    return "fetch2-data"

# ❌ BAD - loop closed after asyncio.run()
result1 = asyncio.run(fetch1())
result2 = asyncio.run(fetch2())  # ERROR: Event loop is closed
print("BAD (two asyncio.run calls):", result1, result2)

# ✅ GOOD - single event loop
async def main():
    result1 = await fetch1()
    result2 = await fetch2()
    return result1, result2

print("GOOD (one main):", asyncio.run(main()))

# added: what does raise "Event loop is closed"
class Client:
    def __init__(self):
        self.loop = asyncio.get_running_loop()

    async def fetch(self):
        fut = self.loop.create_future()
        self.loop.call_later(0.01, fut.set_result, "client-data")
        return await fut

async def make_client():
    client = Client()
    print("first run:", await client.fetch())
    return client

client = asyncio.run(make_client())
try:
    asyncio.run(client.fetch())
except RuntimeError as e:
    print(f"second run, same client: RuntimeError: {e}")
