"""A pause of Python's cyclic garbage collector around allocation-heavy steps.

Reference counting still frees every object that is not in a reference cycle; only the periodic
full scans are skipped. Those scans walk every live container object, and the steps paused here
hold hundreds of thousands of them while allocating more: the intake's grid of cells (a list per
row) and WeasyPrint's box tree. Measured (docs/performance.md (b), (e)): 2 of 3 full collections
and ~0.75 s of ~11.5 s CPU in the 190,000-row xlsx intake; 7 of 9 full collections and ~0.6-1.4 s
of ~6-7 s in the textile report's PDF, with the same peak memory (~500 MiB either way).

What a pause defers: the intake leaves no cyclic garbage at all (``gc.collect()`` right after
``read_inputs`` finds 0 objects on both benchmark cases, the 1,000,000-row chunked CSV included),
so a long chunked read does not grow; WeasyPrint leaves ~93,000 objects in cycles after the
textile PDF, which the first collection after the pause frees.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's previous state is restored on the
    way out, also when the block raises (a block inside another leaves it paused)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
