"""A minimal in-file stand-in for pytest + pytest-asyncio (helper, not a recipe).

Neither pytest nor pytest-asyncio is installed for CPython 3.13 here. The testing
recipes keep their test functions as the seeds wrote them and call `run_tests(globals())`
at the bottom, which:

* finds every `test_*` function, in definition order;
* resolves its parameters by name from fixtures (`@pytest.fixture` or
  `@pytest_asyncio.fixture`; an async-generator fixture is set up before the test and
  torn down after it, in the same event loop, as pytest-asyncio does);
* runs each test in a fresh event loop (`asyncio.run`), one loop per test, as
  pytest-asyncio's default function-scoped loop;
* prints `<name> PASSED` or `<name> FAILED: <ExcType>: <message>`, then `N passed`
  (and `, M failed`), instead of pytest's report (which has timings in it).

`pytest.mark.asyncio` is an identity decorator; `pytest.raises(E)` is a context manager
that fails the test when E is not raised.
"""
import asyncio
import inspect
import types


class _Failed(AssertionError):
    pass


class _Raises:
    def __init__(self, exc_type):
        self.exc_type = exc_type
        self.value = None

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            raise _Failed(f"DID NOT RAISE {self.exc_type.__name__}")
        if issubclass(et, self.exc_type):
            self.value = ev
            return True
        return False


def _fixture(fn=None, **kwargs):
    def mark(f):
        f._is_fixture = True
        return f

    return mark(fn) if fn is not None else mark


pytest = types.SimpleNamespace(
    mark=types.SimpleNamespace(asyncio=lambda f: f),
    fixture=_fixture,
    raises=_Raises,
)
pytest_asyncio = types.SimpleNamespace(fixture=_fixture)


async def _run_one(fn, fixtures):
    teardowns = []
    kwargs = {}
    try:
        for name in inspect.signature(fn).parameters:
            fx = fixtures[name]
            if inspect.isasyncgenfunction(fx):
                gen = fx()
                kwargs[name] = await gen.__anext__()
                teardowns.append(gen)
            elif inspect.iscoroutinefunction(fx):
                kwargs[name] = await fx()
            else:
                kwargs[name] = fx()
        result = fn(**kwargs)
        if inspect.isawaitable(result):
            await result
    finally:
        for gen in reversed(teardowns):
            try:
                await gen.__anext__()
            except StopAsyncIteration:
                pass


def run_tests(namespace):
    fixtures = {k: v for k, v in namespace.items() if getattr(v, "_is_fixture", False)}
    tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    passed = failed = 0
    for fn in tests:
        try:
            asyncio.run(_run_one(fn, fixtures))
        except Exception as e:
            failed += 1
            print(f"{fn.__name__} FAILED: {type(e).__name__}: {e}")
        else:
            passed += 1
            print(f"{fn.__name__} PASSED")
    print(f"{passed} passed" + (f", {failed} failed" if failed else ""))
