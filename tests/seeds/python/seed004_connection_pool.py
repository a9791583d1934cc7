# Seed 004 (Async/Await Patterns in Python), recipe "Connection Pool".
# weft example: examples/seed004_connection_pool.rs
# completed: Connection and create_connection are not defined by the seed (and the
#   annotations `list[Connection]` / `AsyncIterator[Connection]` are evaluated at
#   definition time in 3.13, so Connection must exist first): an in-process connection
#   (create_connection sleeps 0.005 s and counts connections; execute() sleeps 0.005 s
#   and returns [{'sql': sql}]). `asynccontextmanager` and `AsyncIterator` are imported.
# completed: main() is added: 30 concurrent query() calls through the seed's module-level
#   pool of 10; prints how many answered, how many connections were created, how many
#   are idle afterwards.
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

created = 0

class Connection:
    async def execute(self, sql: str) -> list[dict[str, str]]:
        await asyncio.sleep(0.005)
        return [{"sql": sql}]

async def create_connection() -> Connection:
    global created
    created += 1
    await asyncio.sleep(0.005)
    return Connection()

class ConnectionPool:
    """Async connection pool."""

    def __init__(self, max_connections: int) -> None:
        self._semaphore = asyncio.Semaphore(max_connections)
        self._connections: list[Connection] = []

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        """Acquire connection from pool."""
        async with self._semaphore:
            if self._connections:
                conn = self._connections.pop()
            else:
                conn = await self._create_connection()

            try:
                yield conn
            finally:
                self._connections.append(conn)

    async def _create_connection(self) -> Connection:
        """Create new connection."""
        return await create_connection()

# Usage
pool = ConnectionPool(max_connections=10)

async def query(sql: str) -> list[dict[str, str]]:
    async with pool.acquire() as conn:
        return await conn.execute(sql)

async def main():
    results = await asyncio.gather(*(query(f"SELECT {i}") for i in range(30)))
    print(f"{len(results)} queries answered")
    print(f"connections created: {created}")
    print(f"idle connections after the queries: {len(pool._connections)}")

asyncio.run(main())
