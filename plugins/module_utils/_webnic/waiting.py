# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long to sleep between two status checks while waiting on WebNIC (pure, no I/O).

A validation or issuance may take seconds or hours. Polling at a fixed short interval makes one failed
600 s wait cost hundreds of status calls, the kind of load that gets a reseller rate-limited. The wait
starts short (a file or DNS record is often checked within seconds), doubles, and stays at a cap; a
``Retry-After`` the API sent wins over the schedule. Every module that waits uses this one schedule.
"""

FIRST_DELAY = 3.0
MAX_DELAY = 60.0
FACTOR = 2.0
# A Retry-After above this is not waited for blindly: the wait's own deadline still applies.
MAX_RETRY_AFTER = 600.0


class Backoff:
    """Delays ``first, first*2, first*4, ...`` capped at ``cap``; ``retry_after`` overrides one delay.

    A 600 s wait with the defaults (3 s doubling to 60 s) makes at most 15 status calls.
    """

    def __init__(self, first=FIRST_DELAY, cap=MAX_DELAY, factor=FACTOR):
        self.first = max(0.01, float(first))
        self.cap = max(self.first, float(cap))
        self.factor = max(1.0, float(factor))
        self._next = self.first

    def next_delay(self, remaining=None, retry_after=None):
        """The next sleep in seconds, never beyond ``remaining`` (seconds left before the deadline)."""
        delay = self._next
        self._next = min(self._next * self.factor, self.cap)
        if retry_after is not None:
            try:
                delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
            except (TypeError, ValueError):
                pass
        if remaining is not None:
            delay = min(delay, max(0.0, float(remaining)))
        return delay


def poll_count(timeout, first=FIRST_DELAY, cap=MAX_DELAY, factor=FACTOR):
    """How many status checks a wait of ``timeout`` seconds makes at most (the first one included)."""
    backoff = Backoff(first, cap, factor)
    elapsed, calls = 0.0, 1
    while elapsed < timeout:
        elapsed += backoff.next_delay(remaining=timeout - elapsed)
        calls += 1
    return calls
