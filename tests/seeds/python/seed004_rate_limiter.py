# Seed 004 (Async/Await Patterns in Python), recipe "Rate Limiting".
# weft example: examples/seed004_rate_limiter.rs
# completed: fetch_data is not defined here: an in-process stand-in that records when
#   it started (loop time), sleeps 0.001 s and returns {'url': url, 'status': 'ok'}.
# completed: the rate is 5 per 0.4 s (the seed's 10 per 1.0 s), for 15 URLs; main() is
#   added: it groups the start times into waves (a new wave starts after a gap of more
#   than 0.2 s) and prints them: three waves of five, about 0.4 s apart (each permit
#   comes back `per` seconds after its fetch ended, via loop.call_later).
import asyncio

starts: dict[str, float] = {}

async def fetch_data(url: str) -> dict[str, str]:
    starts[url] = asyncio.get_running_loop().time()
    await asyncio.sleep(0.001)
    return {"url": url, "status": "ok"}

class RateLimiter:
    """Rate limiter for async operations."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self._semaphore = asyncio.Semaphore(rate)
        self._loop = asyncio.get_event_loop()

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: object,
    ) -> None:
        self._loop.call_later(self.per, self._semaphore.release)

# Usage
async def fetch_with_rate_limit(urls: list[str]) -> list[dict[str, str]]:
    """Fetch with rate limiting."""
    rate_limiter = RateLimiter(rate=5, per=0.4)  # 5 requests per 0.4 second

    async def fetch_limited(url: str) -> dict[str, str]:
        async with rate_limiter:
            return await fetch_data(url)

    tasks = [fetch_limited(url) for url in urls]
    return await asyncio.gather(*tasks)

async def main():
    urls = [f"u{i}" for i in range(15)]
    results = await fetch_with_rate_limit(urls)
    waves: list[list[str]] = []
    last = None
    for url, t in sorted(starts.items(), key=lambda kv: kv[1]):
        if last is None or t - last > 0.2:
            waves.append([])
        waves[-1].append(url)
        last = t
    print(f"{len(results)} fetches started in {len(waves)} waves")
    for i, w in enumerate(waves, 1):
        print(f"wave {i}: {w}")

asyncio.run(main())
