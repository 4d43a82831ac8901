"""The sandbox's simulated clock: starts at ``--now``, runs at ``--clock-rate``
times wall speed, and jumps forward on ``POST /_sandbox/clock``."""

import threading
import time
from datetime import timedelta


class SimClock:
    def __init__(self, start, rate=1.0, wall=time.monotonic):
        self.start = start
        self.rate = rate
        self._wall = wall
        self._wall_start = wall()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self):
        with self._lock:
            elapsed = (self._wall() - self._wall_start) * self.rate + self._offset
        return self.start + timedelta(seconds=elapsed)

    def advance(self, seconds):
        with self._lock:
            self._offset += max(0.0, float(seconds))
