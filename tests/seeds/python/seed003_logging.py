# Seed 003 (Python Async/Await Patterns), recipe "Logging in Async Code".
# weft example: examples/seed003_logging.rs
# completed: logging is configured with logging.basicConfig(stream=sys.stdout) (default
#   format "LEVEL:logger:message"; the logger is "__main__") and LOG.setLevel(DEBUG), so
#   the INFO/DEBUG/ERROR lines are part of stdout. (The level is set on LOG, not on the
#   root logger: basicConfig(level=DEBUG) would also print asyncio's own
#   "DEBUG:asyncio:Using selector: EpollSelector".)
# completed: fetch_data (called with no argument) is an in-process stand-in: the first
#   call sleeps 0.01 s and returns ["a", "b", "c"], the second raises
#   ConnectionError("upstream unavailable").
# completed: main() is added: runs async_operation() twice, printing what each
#   returned or raised.
import asyncio
import logging
import sys

logging.basicConfig(stream=sys.stdout)

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.DEBUG)

calls = 0

async def fetch_data():
    global calls
    calls += 1
    await asyncio.sleep(0.01)
    if calls == 2:
        raise ConnectionError("upstream unavailable")
    return ["a", "b", "c"]

async def async_operation():
    """Async function with logging."""
    LOG.info("Started async operation")

    try:
        result = await fetch_data()
        LOG.debug(f"Fetched {len(result)} items")
        return result
    except Exception as e:
        LOG.error(f"Error in async operation: {e}")
        raise

async def main():
    print("first call returned", await async_operation())
    try:
        await async_operation()
    except ConnectionError as e:
        print("second call raised", e)

asyncio.run(main())
