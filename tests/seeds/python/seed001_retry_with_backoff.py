# Seed 001 (Async/Await Patterns in Python), recipe "Retry with Backoff".
# weft example: examples/seed001_retry_with_backoff.rs
# completed: the seed fails at random (random.random() < 0.7); random.seed(11) makes
#   the first two attempts fail and the third succeed, every run.
# completed: the printed delays are the seed's (1s, 2s), but the actual sleep is
#   shortened 100x (asyncio.sleep(delay / 100)).
import asyncio
import random

async def fetch_with_retry(url, max_retries=3, base_delay=1):
    for attempt in range(max_retries):
        try:
            # Simulate a network request
            if random.random() < 0.7:  # 70% chance of failure
                raise ConnectionError(f"Failed to fetch {url}")
            return f"Data from {url}"
        except ConnectionError as e:
            if attempt == max_retries - 1:
                raise
            delay = base_delay * (2 ** attempt)  # Exponential backoff
            print(f"Retry {attempt + 1}/{max_retries} after {delay}s")
            await asyncio.sleep(delay / 100)

async def main():
    result = await fetch_with_retry("api.example.com")
    print(result)

random.seed(11)
asyncio.run(main())
