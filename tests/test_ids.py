"""Ids: Mattermost's shape (26 lowercase letters and digits); post ids sort by time."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from inbound.models import ID_LENGTH, is_valid_id, new_id, new_time_id


def test_random_ids_are_valid_and_distinct() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert all(is_valid_id(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_random_ids_use_the_whole_alphabet_in_every_position() -> None:
    ids = [new_id() for _ in range(5_000)]
    for position in range(ID_LENGTH):
        assert len({i[position] for i in ids}) == 32  # no position is fixed or biased to a few


@given(st.integers(0, 2**50 - 1), st.integers(0, 2**50 - 1))
def test_time_ids_sort_as_their_times(a: int, b: int) -> None:
    first, second = new_time_id(a), new_time_id(b)
    assert is_valid_id(first) and is_valid_id(second)
    if a < b:
        assert first < second
    elif a > b:
        assert first > second


def test_time_ids_in_one_millisecond_differ() -> None:
    ids = {new_time_id(1_790_000_000_000) for _ in range(10_000)}
    assert len(ids) == 10_000


@given(st.integers(1, 2**40), st.integers(0, 2**20 - 2), st.integers(1, 2**20 - 1))
def test_sequenced_time_ids_of_one_millisecond_sort_by_their_counter(
    ms: int, seq: int, later: int
) -> None:
    later = min(seq + later, 2**20 - 1)  # the counter's low 20 bits: a wrap is 1M ids apart
    first, second = new_time_id(ms, seq), new_time_id(ms, later)
    assert is_valid_id(first) and is_valid_id(second) and first < second
    assert new_time_id(ms - 1, later) < first < new_time_id(ms + 1, 0)


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    new_id()  # the parent holds random bytes in its pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child (``inbound serve --workers``)
        os.write(write, new_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 64).decode() != new_id()
