# Seed 002 (asyncio cheat sheet), recipe "asyncpg example".
# weft example: examples/seed002_asyncpg.rs
# completed: asyncpg is not installed and there is no PostgreSQL server: `asyncpg` is
#   an in-process stand-in defined below (connect() sleeps 0.01 s and returns a
#   connection whose fetch() sleeps 0.01 s and returns the first LIMIT rows of a fixed
#   users table as dict-like records; close() sleeps 0.001 s). main() is the seed's.
import asyncio
import re
import types

_USERS = [{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"},
          {"id": 3, "name": "Carol"}, {"id": 4, "name": "Dave"}]

class _Record(dict):
    pass

class _Connection:
    async def fetch(self, sql):
        await asyncio.sleep(0.01)
        m = re.search(r"LIMIT (\d+)", sql)
        rows = _USERS[: int(m.group(1))] if m else _USERS
        return [_Record(r) for r in rows]

    async def close(self):
        await asyncio.sleep(0.001)

async def _connect(dsn):
    await asyncio.sleep(0.01)
    return _Connection()

asyncpg = types.SimpleNamespace(connect=_connect)

async def main():
    conn = await asyncpg.connect("postgresql://alice@localhost/mydb")
    rows = await conn.fetch("SELECT id, name FROM users LIMIT 3")
    for row in rows:
        print(dict(row))
    await conn.close()

asyncio.run(main())
