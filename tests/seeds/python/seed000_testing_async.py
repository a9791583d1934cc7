# Seed 000 (Python Async Fundamentals), recipe "Testing Async Code".
# weft example: examples/seed000_testing_async.rs
# completed: pytest and pytest_asyncio are not installed: `pytest`/`pytest_asyncio`
#   come from _pytest_stub.py (fixture resolution by parameter name, one event loop per
#   test, "<test> PASSED" and "N passed" instead of pytest's report).
# completed: `asyncio` was not imported by the seed's test module; imported.
# completed: AsyncClient is not defined by the seed: an in-process stand-in (no
#   network) whose connect()/disconnect() print, and whose get(path) sleeps 0.02 s and
#   returns an object with status 200; it prints the largest number of requests it had
#   in flight at once when it disconnects (2: gather ran them concurrently).
import asyncio
from types import SimpleNamespace
from _pytest_stub import pytest, pytest_asyncio, run_tests

class AsyncClient:
    def __init__(self):
        self.in_flight = 0
        self.peak = 0

    async def connect(self):
        await asyncio.sleep(0.001)
        print("fixture: connected")

    async def disconnect(self):
        await asyncio.sleep(0.001)
        print(f"most requests in flight at once: {self.peak}")
        print("fixture: disconnected")

    async def get(self, path):
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.02)
        self.in_flight -= 1
        return SimpleNamespace(status=200, path=path)

@pytest_asyncio.fixture
async def async_client():
    client = AsyncClient()
    await client.connect()
    yield client
    await client.disconnect()

@pytest.mark.asyncio
async def test_concurrent_requests(async_client):
    results = await asyncio.gather(
        async_client.get("/endpoint1"),
        async_client.get("/endpoint2"),
    )
    assert all(r.status == 200 for r in results)

run_tests(globals())
