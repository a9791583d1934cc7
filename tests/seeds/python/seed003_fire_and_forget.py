# Seed 003 (Python Async/Await Patterns), recipe "Pattern 2: Fire and Forget with
# create_task()".
# weft example: examples/seed003_fire_and_forget.rs
# completed: log_request and process_request are not defined by the seed: in-process
#   stand-ins. log_request sleeps 0.2 s then prints "logged request N" (and prints "log
#   of request N cancelled at shutdown" if it is cancelled first); process_request
#   sleeps 0.005 s and returns {'id': N, 'status': 'done'}.
# completed: main() is added: it handles request 1, waits 0.3 s (the log task
#   finishes), handles request 2 and returns at once: asyncio.run() then cancels the
#   forgotten log task of request 2 (and waits for it) before it returns.
import asyncio

async def log_request(request: dict) -> None:
    try:
        await asyncio.sleep(0.2)
        print(f"logged request {request['id']}")
    except asyncio.CancelledError:
        print(f"log of request {request['id']} cancelled at shutdown")
        raise

async def process_request(request: dict) -> dict:
    await asyncio.sleep(0.005)
    return {"id": request["id"], "status": "done"}

# Start background task without waiting
async def handle_request(request: dict) -> dict:
    """Handle request and log asynchronously."""
    asyncio.create_task(log_request(request))  # Fire and forget
    return await process_request(request)      # Don't wait for logging

async def main():
    print("response:", await handle_request({"id": 1}))
    await asyncio.sleep(0.3)
    print("response:", await handle_request({"id": 2}))

asyncio.run(main())
