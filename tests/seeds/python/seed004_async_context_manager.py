# Seed 004 (Async/Await Patterns in Python), recipe "Async Context Manager".
# weft example: examples/seed004_async_context_manager.rs
# completed: the seed defines use_resource() but never runs it:
#   asyncio.run(use_resource()) added. An added second run raises inside the body, to
#   show that __aexit__ still runs (and, returning None, lets the exception through).
import asyncio

class AsyncResource:
    """Async context manager for resource management."""

    async def __aenter__(self) -> 'AsyncResource':
        print("Acquiring resource")
        await asyncio.sleep(0.1)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: object,
    ) -> None:
        print("Releasing resource")
        await asyncio.sleep(0.1)

    async def use(self) -> str:
        return "Using resource"

# Usage
async def use_resource() -> None:
    async with AsyncResource() as resource:
        result = await resource.use()
        print(result)

async def use_resource_failing() -> None:
    try:
        async with AsyncResource() as resource:
            raise RuntimeError("body failed")
    except RuntimeError as e:
        print("caller caught:", e)

asyncio.run(use_resource())
asyncio.run(use_resource_failing())
