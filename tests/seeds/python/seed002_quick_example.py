# Seed 002 (asyncio cheat sheet), recipe "Quick example".
# weft example: examples/seed002_quick_example.rs
# completed: nothing (the seed's program as written).
import asyncio

async def greet(name: str, delay: float) -> str:
    await asyncio.sleep(delay)      # non-blocking sleep
    msg = f"Hello, {name}!"
    print(msg)
    return msg

asyncio.run(greet("Alice", 0.1))   # entry point for async code
