# Seed 004 (Async/Await Patterns in Python), recipe "Enhanced asyncio.timeout() (3.14+)".
# weft example: examples/seed004_timeout_reschedule.rs
# completed: `Awaitable` is used but not imported by the seed; in 3.13 the annotations
#   of this PEP 695 generic function are evaluated when it is defined, so without
#   `from typing import Awaitable` the module fails with NameError. Imported.
# completed: fetch_partial and fetch_complete are not defined by the seed: fetch_partial
#   sleeps 0.01 s and returns {"needs_more_time": <True unless the URL ends with
#   "/small">}; fetch_complete sleeps 0.4 s and returns "complete data for <url>".
# completed: durations shortened: the adaptive timeout is 0.25 s (was 5.0) and the
#   reschedule moves it to loop.time() + 0.7 (was + 10.0). Without the reschedule the
#   complete fetch (done at about 0.41 s) outlives the 0.25 s deadline; with it, it
#   ends 0.3 s before the new one. (Every gap between a deadline and the end of an
#   operation is at least 0.15 s: when a stalled loop handles both in one iteration,
#   the timeout wins even if the operation's timer was earlier.)
# completed: main() is added: fetch_with_improved_timeout on a quick coroutine (0.01 s,
#   timeout 1.0) and a slow one (1 s, timeout 0.05); adaptive_timeout_fetch on a URL
#   that needs more time (rescheduled: completes) and on one that does not (no
#   reschedule: TimeoutError).
# note: Timeout.reschedule() exists since 3.11, not 3.14 as the seed says.
import asyncio
from typing import Awaitable

# More ergonomic timeout API with better error messages
async def fetch_with_improved_timeout[T](coro: Awaitable[T], timeout: float) -> T:
    """Generic timeout with enhanced error context."""
    async with asyncio.timeout(timeout):  # Better cancellation semantics in 3.14
        return await coro

async def fetch_partial(url: str) -> dict:
    await asyncio.sleep(0.01)
    return {"needs_more_time": not url.endswith("/small")}

async def fetch_complete(url: str, data: dict) -> str:
    await asyncio.sleep(0.4)
    return f"complete data for {url}"

# Improved timeout reschedule (adjust timeout dynamically)
async def adaptive_timeout_fetch(url: str) -> dict[str, str]:
    """Timeout that adapts based on progress."""
    timeout_cm = asyncio.timeout(0.25)
    async with timeout_cm:
        # Can now reschedule timeout mid-operation (3.14+)
        data = await fetch_partial(url)
        if data["needs_more_time"]:
            timeout_cm.reschedule(asyncio.get_event_loop().time() + 0.7)
        return await fetch_complete(url, data)

async def work(delay: float, value: str) -> dict:
    await asyncio.sleep(delay)
    return {"data": value}

async def main():
    for delay, value, timeout in ((0.01, "quick", 1.0), (1.0, "slow", 0.05)):
        try:
            print("fetch_with_improved_timeout:",
                  await fetch_with_improved_timeout(work(delay, value), timeout))
        except TimeoutError:
            print("fetch_with_improved_timeout: timed out")
    for url in ("https://example.com/big", "https://example.com/small"):
        try:
            print(f"adaptive_timeout_fetch({url}):", await adaptive_timeout_fetch(url))
        except TimeoutError:
            print(f"adaptive_timeout_fetch({url}): timed out")

asyncio.run(main())
