# Seed 003 (Python Async/Await Patterns), recipe "pytest with pytest-asyncio".
# weft example: examples/seed003_testing.rs
# completed: pytest and pytest-asyncio are not installed: `pytest` comes from
#   _pytest_stub.py (fixture resolution by parameter name, async-generator fixtures set
#   up and torn down around the test, one event loop per test, "<test> PASSED" and
#   "N passed" instead of pytest's report). Note: with real pytest-asyncio in its
#   default strict mode, an async fixture needs @pytest_asyncio.fixture; the seed's
#   @pytest.fixture on an async generator works only in auto mode.
# completed: aiohttp is the stand-in from _http_stub.py, talking HTTP/1.1 to a local
#   server this program starts on 127.0.0.1 (http.server in a thread), which answers
#   {"status": "success"} with status 200.
# completed: "module" (the string given to patch) is made a real module, registered in
#   sys.modules, holding the seed's own fetch_data (from "async def and await") and
#   process_data (not defined by the seed: returns await
#   fetch_data("https://api.example.com")); the test module imports both the usual way,
#   `from module import fetch_data, process_data`. The mock works: process_data looks
#   up fetch_data in `module` at call time, which is where patch() replaced it.
# completed: slow_operation (not defined) sleeps 10 s, so test_timeout takes its 1 s
#   timeout; `asyncio` is imported (the seed's test module does not import it).
import asyncio
import sys
import types
from _http_stub import aiohttp, start_server
from _pytest_stub import pytest, run_tests
from unittest.mock import AsyncMock, patch

module = types.ModuleType("module")
exec('''
from _http_stub import aiohttp

async def fetch_data(url: str) -> dict:
    """Fetch data from URL asynchronously."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            return await response.json()

async def process_data():
    return await fetch_data("https://api.example.com")
''', module.__dict__)
sys.modules["module"] = module

from module import fetch_data, process_data

async def slow_operation():
    await asyncio.sleep(10)

# Mark async test
@pytest.mark.asyncio
async def test_fetch_data():
    """Test async function."""
    result = await fetch_data("https://api.example.com")
    assert result["status"] == "success"

# Async fixtures
@pytest.fixture
async def async_client():
    """Create async HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session

@pytest.mark.asyncio
async def test_with_fixture(async_client):
    """Test using async fixture."""
    async with async_client.get("https://api.example.com") as resp:
        assert resp.status == 200

# Mocking async functions
@pytest.mark.asyncio
async def test_with_mock():
    """Test with mocked async dependency."""
    mock_fetch = AsyncMock(return_value={"data": "test"})

    with patch('module.fetch_data', mock_fetch):
        result = await process_data()

    assert result["data"] == "test"
    mock_fetch.assert_awaited_once()

# Testing timeouts
@pytest.mark.asyncio
async def test_timeout():
    """Test function respects timeout."""
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(slow_operation(), timeout=1.0)

start_server(lambda method, host, path, body: (200, {"status": "success"}))
run_tests(globals())
