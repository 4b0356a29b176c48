"""Property tests: the Whisper dialect's cursors map to Parley's keyset cursors and back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from parley.dialects.whisper.mapping import cursor_in, cursor_out
from parley.kit.ids import MAX_ID

IDS = st.integers(min_value=1, max_value=MAX_ID)


@given(IDS)
def test_a_next_cursor_comes_back_as_the_same_keyset_position(value: int) -> None:
    assert cursor_in(cursor_out(value)) == value


def test_zero_asks_for_the_first_page_and_the_last_page_says_minus_one() -> None:
    assert cursor_in(0) is None
    assert cursor_out(None) == -1


@given(st.integers(min_value=0, max_value=MAX_ID))
def test_every_accepted_path_value_is_a_valid_keyset_argument(value: int) -> None:
    cursor = cursor_in(value)
    assert cursor is None or 1 <= cursor <= MAX_ID
