# Seed 001 (Async/Await Patterns in Python), recipe "Context Variables in Async Code".
# weft example: examples/seed001_context_variables.rs
# completed: nothing (the seed's program as written).
import asyncio
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id")

async def log_request():
    # Each task gets its own value
    print(f"Processing request: {request_id.get()}")

async def handle_request(req_id):
    token = request_id.set(req_id)
    try:
        await log_request()
    finally:
        request_id.reset(token)

async def main():
    await asyncio.gather(
        handle_request("req-1"),
        handle_request("req-2"),
        handle_request("req-3"),
    )

asyncio.run(main())
# Output:
# Processing request: req-1
# Processing request: req-2
# Processing request: req-3
