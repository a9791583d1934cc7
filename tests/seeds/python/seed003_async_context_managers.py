# Seed 003 (Python Async/Await Patterns), recipe "Async Context Managers".
# weft example: examples/seed003_async_context_managers.rs
# completed: aiohttp is the stand-in from _http_stub.py, talking HTTP/1.1 to a local
#   server this program starts on 127.0.0.1 (http.server in a thread), which answers
#   [{"id": 1}, {"id": 2}].
# completed: get_connection is not defined by the seed: an in-process stand-in
#   connection that prints "connection opened", "BEGIN", "COMMIT", "ROLLBACK",
#   "connection closed" and the UPDATE it executes (with $1/$2 filled in); execute()
#   raises ValueError for a negative id and sleeps 3 s for id 2 (a slow statement).
# completed: main() is added: fetch_users(); update_user(1, ...) (commits);
#   update_user(-1, ...) (rolls back, re-raises); update_user(2, ...) inside
#   asyncio.timeout(0.3). The last shows that the seed's `except Exception:` does NOT
#   catch the cancellation (CancelledError is a BaseException): no ROLLBACK is printed,
#   only the `finally` close, and the caller gets TimeoutError.
import asyncio
from _http_stub import aiohttp, start_server

# Using async context managers
async def fetch_users() -> list[dict]:
    """Fetch users using async context manager."""
    async with aiohttp.ClientSession() as session:
        async with session.get("https://api.example.com") as response:
            return await response.json()

class _Tx:
    async def commit(self):
        await asyncio.sleep(0.001)
        print("COMMIT")

    async def rollback(self):
        await asyncio.sleep(0.001)
        print("ROLLBACK")

class _Conn:
    async def begin(self):
        await asyncio.sleep(0.001)
        print("BEGIN")
        return _Tx()

    async def execute(self, sql, *params):
        await asyncio.sleep(3 if params[-1] == 2 else 0.001)
        if params[-1] < 0:
            raise ValueError(f"invalid user id {params[-1]}")
        for i, p in enumerate(params, 1):
            sql = sql.replace(f"${i}", repr(p))
        print(sql)

    async def close(self):
        await asyncio.sleep(0.001)
        print("connection closed")

async def get_connection():
    await asyncio.sleep(0.001)
    print("connection opened")
    return _Conn()

# Creating async context manager
from contextlib import asynccontextmanager

@asynccontextmanager
async def async_transaction():
    """Async transaction context manager."""
    conn = await get_connection()
    tx = await conn.begin()
    try:
        yield conn
        await tx.commit()
    except Exception:
        await tx.rollback()
        raise
    finally:
        await conn.close()

# Usage
async def update_user(user_id: int, data: dict):
    """Update user in transaction."""
    async with async_transaction() as conn:
        await conn.execute("UPDATE users SET data = $1 WHERE id = $2", data, user_id)

async def main():
    print("fetch_users:", await fetch_users())
    await update_user(1, {"name": "Ada"})
    print("update_user(1): ok")
    try:
        await update_user(-1, {"name": "Nobody"})
    except ValueError as e:
        print(f"update_user(-1): {e}")
    try:
        async with asyncio.timeout(0.3):
            await update_user(2, {"name": "Grace"})
    except TimeoutError as e:
        print(f"update_user(2) under a 300ms timeout: {type(e).__name__}")

start_server(lambda method, host, path, body: (200, [{"id": 1}, {"id": 2}]))
asyncio.run(main())
