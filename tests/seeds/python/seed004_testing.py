# Seed 004 (Async/Await Patterns in Python), recipe "Testing Async Code: pytest-asyncio".
# weft example: examples/seed004_testing.rs
# completed: pytest and pytest-asyncio are not installed: `pytest` comes from
#   _pytest_stub.py (one event loop per test, "<test> PASSED" and "N passed" instead of
#   pytest's report).
# completed: fetch_data and fetch_multiple are the seed's own ("Async Functions" with its
#   sleep shortened to 0.01 s, and "asyncio.gather()"); slow_operation (not defined)
#   sleeps 10 s, so test_with_timeout takes its 1 s timeout; `asyncio` is imported.
import asyncio
from _pytest_stub import pytest, run_tests

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}

async def fetch_multiple(urls: list[str]) -> list[dict[str, str]]:
    """Fetch multiple URLs concurrently."""
    tasks = [fetch_data(url) for url in urls]
    results = await asyncio.gather(*tasks)
    return results

async def slow_operation():
    await asyncio.sleep(10)

@pytest.mark.asyncio
async def test_fetch_data():
    """Test async function."""
    result = await fetch_data("http://example.com")
    assert result["status"] == "ok"

@pytest.mark.asyncio
async def test_concurrent_fetch():
    """Test concurrent execution."""
    urls = ["http://example.com", "http://example.org"]
    results = await fetch_multiple(urls)
    assert len(results) == 2

# Test with timeout
@pytest.mark.asyncio
async def test_with_timeout():
    """Test async with timeout."""
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(slow_operation(), timeout=1.0)

run_tests(globals())
