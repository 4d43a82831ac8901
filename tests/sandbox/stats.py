"""Per-operation counters for ``GET /_sandbox/stats``."""

import threading
from collections import defaultdict

FIELDS = ("calls", "throttled", "faults", "errors", "static", "invalid_responses")
# Notifications: published (made), sent (copies delivered to SQS), lost
# (--notification-loss), duplicates (sent twice), invalid (failed their
# schema: a sandbox bug, never sent), undelivered (no endpoint, queue...).
NOTIFICATION_FIELDS = (
    "published",
    "sent",
    "lost",
    "duplicates",
    "invalid",
    "undelivered",
)


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self._ops = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
        self._faults = defaultdict(int)
        self._lwa = defaultdict(int)  # token endpoint: "issued" / error codes
        self.invalid = []  # (operation, problems) of responses that failed the model
        self._notifications = dict.fromkeys(NOTIFICATION_FIELDS, 0)
        self.invalid_notifications = []  # (type, problems) that failed the schema

    def bump(self, op_id, field, amount=1):
        with self._lock:
            self._ops[op_id][field] += amount

    def fault(self, op_id, kind):
        with self._lock:
            self._ops[op_id]["faults"] += 1
            self._faults[kind] += 1

    def lwa(self, outcome):
        with self._lock:
            self._lwa[outcome] += 1

    def invalid_response(self, op_id, problems):
        with self._lock:
            self._ops[op_id]["invalid_responses"] += 1
            if len(self.invalid) < 50:
                self.invalid.append({"operation": op_id, "problems": problems[:5]})

    def notification(self, field, amount=1):
        with self._lock:
            self._notifications[field] += amount

    def invalid_notification(self, notification_type, problems):
        with self._lock:
            if len(self.invalid_notifications) < 50:
                self.invalid_notifications.append(
                    {"notificationType": notification_type, "problems": problems[:5]}
                )

    def snapshot(self):
        with self._lock:
            ops = {name: dict(values) for name, values in sorted(self._ops.items())}
            totals = {f: sum(v[f] for v in ops.values()) for f in FIELDS}
            return {
                "operations": ops,
                "totals": totals,
                "faultKinds": dict(self._faults),
                "lwa": dict(self._lwa),
                "invalidResponses": list(self.invalid),
                "notifications": dict(self._notifications),
                "invalidNotifications": list(self.invalid_notifications),
            }
