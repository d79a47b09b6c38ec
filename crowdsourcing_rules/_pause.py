"""Building a large structure without the cyclic garbage collector walking it again and again.

Loading and compiling rules allocate many objects that live on (the rules, their conditions, the
compiled form), and no garbage cycle: each time the collector runs it walks what was built so
far, so with thousands of rules it took about half the time of loading and compiling (5,000
generated rules: loading 2.8 s instead of 1.5 s, compiling 0.8 s instead of 0.4 s).
:func:`gc_paused` turns it off for the duration, and back on if it was on.

>>> import gc
>>> with gc_paused():
...     gc.isenabled()
False
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the ``with`` block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
