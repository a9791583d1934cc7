# Seed 004 (Async/Await Patterns in Python), recipe "Try/Except in Async".
# weft example: examples/seed004_try_except.rs
#   (which prints something else on purpose: its expected output is
#   expected/seed004_try_except.weft.txt, whose first line says why)
# completed: fetch_data is not defined here: an in-process stand-in keyed on the URL:
#   "flaky" raises asyncio.TimeoutError on its first two calls, then answers;
#   "slow" always raises TimeoutError; "refused" raises ConnectionError("connection
#   refused"); "broken" raises ValueError("malformed response"); anything else answers
#   {'url': url, 'status': 'ok'}. Each call sleeps 0.001 s first and is counted.
# completed: logger is not defined: logger = logging.getLogger(__name__), with
#   logging.basicConfig(stream=sys.stdout) so the ERROR line, and the traceback that
#   exc_info=True appends, are part of stdout (the file's directory is wildcarded).
# completed: the backoff sleeps (2 ** attempt) / 100 s (the seed's 1 s, 2 s, 100x
#   shorter). Note: the final `raise RuntimeError("Max retries exceeded")` is
#   unreachable (the last attempt re-raises).
# completed: main() is added: fetch_with_retry on "flaky" and "slow", robust_fetch on
#   "slow", "refused" and "broken".
# wildcard: File "(.*)/seed004_try_except\.py"
import asyncio
import logging
import sys

logging.basicConfig(stream=sys.stdout)
logger = logging.getLogger(__name__)

calls: dict[str, int] = {}

async def fetch_data(url: str) -> dict[str, str]:
    calls[url] = calls.get(url, 0) + 1
    await asyncio.sleep(0.001)
    if url == "slow" or (url == "flaky" and calls[url] <= 2):
        raise asyncio.TimeoutError()
    if url == "refused":
        raise ConnectionError("connection refused")
    if url == "broken":
        raise ValueError("malformed response")
    return {"url": url, "status": "ok"}

async def fetch_with_retry(
    url: str,
    max_retries: int = 3
) -> dict[str, str]:
    """Fetch with retry on failure."""
    for attempt in range(max_retries):
        try:
            result = await fetch_data(url)
            return result
        except asyncio.TimeoutError:
            if attempt == max_retries - 1:
                raise
            await asyncio.sleep((2 ** attempt) / 100)  # Exponential backoff

    raise RuntimeError("Max retries exceeded")

# Multiple exception types
async def robust_fetch(url: str) -> dict[str, str]:
    """Handle multiple error types."""
    try:
        result = await fetch_data(url)
        return result
    except asyncio.TimeoutError:
        return {"error": "timeout"}
    except ConnectionError as e:
        return {"error": f"connection: {e}"}
    except Exception as e:
        # Log unexpected errors
        logger.error(f"Unexpected error: {e}", exc_info=True)
        raise

async def main():
    for url in ("flaky", "slow"):
        try:
            r = await fetch_with_retry(url)
            print(f"fetch_with_retry({url}): {r} after {calls[url]} attempts")
        except TimeoutError as e:
            print(f"fetch_with_retry({url}): raised {type(e).__name__} after {calls[url]} attempts")
    for url in ("slow", "refused", "broken"):
        try:
            print(f"robust_fetch({url}): {await robust_fetch(url)}")
        except ValueError as e:
            print(f"robust_fetch({url}): raised {type(e).__name__}: {e}")

asyncio.run(main())
