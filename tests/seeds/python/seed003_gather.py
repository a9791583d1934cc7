# Seed 003 (Python Async/Await Patterns), recipe "Pattern 1: Concurrent Execution with
# gather()".
# weft example: examples/seed003_gather.rs
# completed: fetch_user is not defined by the seed: an in-process stand-in that sleeps
#   (5 - uid) * 0.02 s (later ids answer sooner, to show the results come back in
#   argument order) and returns {'id': uid}; user 3 does not exist: LookupError("user 3
#   not found").
# completed: main() is added: fetch_multiple_users([1, 2, 4]), fetch_multiple_users([1,
#   2, 3, 4]) (gather raises the first exception), fetch_with_errors([1, 2, 3, 4]).
#   Note that the seed's docstring says "return None for failures" but the code drops
#   them (the list is shorter).
import asyncio

async def fetch_user(uid: int) -> dict:
    await asyncio.sleep((5 - uid) * 0.02)
    if uid == 3:
        raise LookupError(f"user {uid} not found")
    return {"id": uid}

# Run multiple coroutines concurrently
async def fetch_multiple_users(user_ids: list[int]) -> list[dict]:
    """Fetch multiple users concurrently."""
    tasks = [fetch_user(uid) for uid in user_ids]
    return await asyncio.gather(*tasks)

# With error handling
async def fetch_with_errors(user_ids: list[int]) -> list[dict]:
    """Continue on error, return None for failures."""
    tasks = [fetch_user(uid) for uid in user_ids]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [r for r in results if not isinstance(r, Exception)]

async def main():
    print("fetch_multiple_users([1, 2, 4]) =", await fetch_multiple_users([1, 2, 4]))
    try:
        await fetch_multiple_users([1, 2, 3, 4])
    except LookupError as e:
        print(f"fetch_multiple_users([1, 2, 3, 4]) raised: {e}")
    print("fetch_with_errors([1, 2, 3, 4]) =", await fetch_with_errors([1, 2, 3, 4]))

asyncio.run(main())
