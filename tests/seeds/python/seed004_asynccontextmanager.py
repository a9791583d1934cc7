# Seed 004 (Async/Await Patterns in Python), recipe "asynccontextmanager".
# weft example: examples/seed004_asynccontextmanager.rs
# completed: Connection and create_connection are not defined by the seed (and
#   `AsyncIterator[Connection]` is evaluated when get_connection is defined, so
#   Connection must exist): an in-process connection, numbered, that prints when it is
#   opened and closed; execute() sleeps 0.005 s and returns two user rows for a query
#   on "users", and raises LookupError("no such table: userz") otherwise.
# completed: main() is added: query_data(), then the same context manager with a
#   failing query, to show the finally clause closes the connection anyway.
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

class Connection:
    count = 0

    def __init__(self) -> None:
        Connection.count += 1
        self.n = Connection.count
        print(f"connection {self.n} opened")

    async def execute(self, sql: str) -> list[dict[str, str]]:
        await asyncio.sleep(0.005)
        if not sql.endswith(" users"):
            raise LookupError(f"no such table: {sql.rsplit(' ', 1)[1]}")
        return [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}]

    async def close(self) -> None:
        await asyncio.sleep(0.001)
        print(f"connection {self.n} closed")

async def create_connection() -> Connection:
    await asyncio.sleep(0.001)
    return Connection()

@asynccontextmanager
async def get_connection() -> AsyncIterator[Connection]:
    """Async context manager using decorator."""
    # Setup
    conn = await create_connection()

    try:
        yield conn
    finally:
        # Cleanup
        await conn.close()

# Usage
async def query_data() -> list[dict[str, str]]:
    async with get_connection() as conn:
        return await conn.execute("SELECT * FROM users")

async def main():
    print("query_data:", await query_data())
    try:
        async with get_connection() as conn:
            await conn.execute("SELECT * FROM userz")
    except LookupError as e:
        print("query failed:", e)

asyncio.run(main())
