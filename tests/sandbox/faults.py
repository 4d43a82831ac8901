"""Injected faults: a seeded fraction of SP-API calls fail the way Amazon's
edge does (500, 503, a response that never comes in time, a cut-off body)."""

import random
import threading

KINDS = ("500", "503", "timeout", "truncated")


class FaultInjector:
    def __init__(self, rate=0.0, seed=0, kinds=KINDS):
        self.rate = max(0.0, min(1.0, rate))
        self.kinds = tuple(kinds)
        self._random = random.Random(f"faults-{seed}")
        self._lock = threading.Lock()

    def draw(self):
        """None, or which fault this call gets."""
        if not self.rate:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            return self._random.choice(self.kinds)
