# Seed 004 (Async/Await Patterns in Python), recipe "Mocking Async Functions".
# weft example: examples/seed004_mocking.rs
# completed: pytest is not installed: `pytest` comes from _pytest_stub.py (see
#   seed004_testing.py).
# completed: "module" (the string given to patch) is made a real module, registered in
#   sys.modules, holding the seed's fetch_data (sleep 0.01 s); the test module imports
#   it the usual way, `from module import fetch_data`.
# RESULT: THE SEED'S TEST FAILS. patch("module.fetch_data", ...) replaces the name in
#   `module`, but the test calls its own imported name fetch_data, which still refers to
#   the real function: the real fetch_data runs (so result["status"] == "ok" passes) and
#   mock_fetch.assert_called_once_with("url") raises AssertionError (called 0 times).
#   (The test would pass only if it called module.fetch_data("url"), or patched the
#   name where it is looked up: patch(f"{__name__}.fetch_data", ...).)
import asyncio
import sys
import types
from _pytest_stub import pytest, run_tests

module = types.ModuleType("module")
exec('''
import asyncio

async def fetch_data(url: str) -> dict[str, str]:
    """Asynchronous function."""
    await asyncio.sleep(0.01)  # Simulate I/O
    return {"url": url, "status": "ok"}
''', module.__dict__)
sys.modules["module"] = module

from module import fetch_data
from unittest.mock import AsyncMock, patch

@pytest.mark.asyncio
async def test_with_mock():
    """Test with async mock."""
    mock_fetch = AsyncMock(return_value={"status": "ok"})

    with patch("module.fetch_data", mock_fetch):
        result = await fetch_data("url")

    assert result["status"] == "ok"
    mock_fetch.assert_called_once_with("url")

run_tests(globals())
