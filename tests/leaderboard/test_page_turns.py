"""PageTurns without Discord: the newest press per board wins, and memory stays bounded."""

from __future__ import annotations

from bot.boards.service import PageTurns


def test_only_the_newest_press_of_a_board_is_latest() -> None:
    turns = PageTurns()
    older, newer = turns.press(1), turns.press(1)
    other = turns.press(2)
    assert not turns.is_latest(1, older) and turns.is_latest(1, newer)
    assert turns.is_latest(2, other)  # boards do not interfere
    assert turns.turn(1) is turns.turn(1) and turns.turn(1) is not turns.turn(2)


def test_boards_beyond_the_last_thousand_are_forgotten() -> None:
    turns = PageTurns()
    first = turns.press(0)
    turns.turn(0)
    for board in range(1, PageTurns.KEEP + 1):
        turns.press(board)
    assert len(turns._latest) == PageTurns.KEEP and len(turns._locks) == 0
    assert turns.is_latest(0, first)  # forgotten: whichever press ends last shows
    recent = turns.press(5)  # pressing again keeps a board among the most recent
    assert turns.is_latest(5, recent) and not turns.is_latest(5, recent - 1)
