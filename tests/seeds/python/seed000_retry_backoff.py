# Seed 000 (Python Async Fundamentals), recipe "Retry with Exponential Backoff".
# weft example: examples/seed000_retry_backoff.rs
# completed: fetch_user is not defined by the seed: here it prints each attempt, fails
#   its first two calls with ConnectionError("connection reset"), then returns
#   {'id': user_id, 'name': 'Ada'}.
# completed: the usage is a top-level `await`; it is wrapped in main(). delay=1.0 is
#   shortened to delay=0.01 (backoff 2.0 kept: sleeps 0.01 s then 0.02 s).
# completed: a second call (server_down, which always fails with ConnectionError
#   ("connection refused")) shows that the last exception is re-raised after
#   max_retries attempts.
import asyncio
from typing import Coroutine, Any, Callable

async def run_with_retries(
    coro_func: Callable[..., Coroutine],
    max_retries: int = 3,
    delay: float = 1.0,
    backoff: float = 2.0,
    *args: Any,
    **kwargs: Any
) -> Any:
    """Execute coroutine with exponential backoff retries."""
    last_exception = None
    current_delay = delay

    for attempt in range(max_retries):
        try:
            return await coro_func(*args, **kwargs)
        except Exception as exc:
            last_exception = exc
            if attempt < max_retries - 1:
                await asyncio.sleep(current_delay)
                current_delay *= backoff

    raise last_exception

calls = 0

async def fetch_user(user_id: str) -> dict:
    global calls
    calls += 1
    print(f"attempt {calls}: fetching user {user_id}")
    await asyncio.sleep(0.001)
    if calls <= 2:
        raise ConnectionError("connection reset")
    return {"id": user_id, "name": "Ada"}

down_calls = 0

async def server_down() -> dict:
    global down_calls
    down_calls += 1
    print(f"attempt {down_calls}: server down")
    raise ConnectionError("connection refused")

async def main():
    # Usage
    result = await run_with_retries(
        fetch_user,
        max_retries=3,
        delay=0.01,
        backoff=2.0,
        user_id="123"
    )
    print("result:", result)
    try:
        await run_with_retries(server_down, max_retries=3, delay=0.001, backoff=2.0)
    except ConnectionError as e:
        print(f"all 3 attempts failed; re-raised: {e}")

asyncio.run(main())
