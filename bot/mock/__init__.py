"""Mock interviews: the real rounds under time, with ratings on the signals interviewers judge."""

from bot.mock.pairs import PairService
from bot.mock.rounds import ROUND_LIST, ROUNDS_BY_SLUG, Round, resolve_round
from bot.mock.service import MockService, PastRound, RatingDue, Step, Summary

__all__ = [
    "ROUNDS_BY_SLUG",
    "ROUND_LIST",
    "MockService",
    "PairService",
    "PastRound",
    "RatingDue",
    "Round",
    "Step",
    "Summary",
    "resolve_round",
]
