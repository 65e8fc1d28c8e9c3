# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one back-off schedule every wait on WebNIC uses (pure: no clock, no I/O)."""

from __future__ import annotations

import pytest

from ansible_collections.webnic.ssl.plugins.module_utils._webnic.waiting import MAX_RETRY_AFTER, Backoff, poll_count


def delays(backoff, count, **kwargs):
    return [backoff.next_delay(**kwargs) for _index in range(count)]


def test_delays_start_at_3_seconds_double_and_stay_at_the_cap():
    assert delays(Backoff(), 7) == [3.0, 6.0, 12.0, 24.0, 48.0, 60.0, 60.0]


def test_a_600s_wait_makes_at_most_30_status_calls_with_the_defaults():
    assert poll_count(600) <= 30
    assert poll_count(600) == 15


@pytest.mark.parametrize(("timeout", "first", "cap"), [(600, 3, 60), (600, 1, 60), (600, 3, 30), (900, 1, 60)])
def test_the_schedules_the_role_uses_stay_within_30_calls_for_600s_and_their_scale_for_longer(timeout, first, cap):
    calls = poll_count(timeout, first=first, cap=cap)
    assert calls <= 30 if timeout <= 600 else calls <= timeout / cap + 10


def test_a_fixed_3s_interval_would_have_made_201_calls():
    # What the issue measured, as a reference: the cap at the first delay is a fixed interval.
    assert poll_count(600, first=3, cap=3) == 201


def test_retry_after_wins_over_the_schedule_but_is_bounded():
    backoff = Backoff()
    assert backoff.next_delay(retry_after=20) == 20
    assert backoff.next_delay(retry_after="not a number") == 6.0
    assert backoff.next_delay(retry_after=10_000) == MAX_RETRY_AFTER


def test_a_delay_never_goes_past_the_deadline():
    backoff = Backoff(first=30)
    assert backoff.next_delay(remaining=5) == 5
    assert backoff.next_delay(remaining=-1) == 0.0


def test_nonsense_parameters_are_clamped():
    backoff = Backoff(first=0, cap=-5, factor=0.5)
    first = backoff.next_delay()
    assert first > 0
    assert backoff.next_delay() == first, "a cap below the first delay keeps the first delay"
