"""The boards' statements, built once as module constants over bound parameters: the reads on
the hot path (a board page, a rank, a member's rows: ``fetchall_inline``, which SQLite compiles
once per statement) and forget-me's deletes. Used by bot/storage/boards.py."""

from __future__ import annotations

from sqlalchemy import (
    Delete,
    Integer,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)

from bot.storage.schema import (
    Big,
    answers,
    away_days,
    best_answers,
    blind_entries,
    daily_posts,
    forget_requests,
    hidden_members,
    member_names,
    member_stats,
    mock_feedback,
    mock_pairs,
    mock_sessions,
    nudge_settings,
    nudges,
    points,
    quiz_sessions,
    reports,
    score_levels,
    score_totals,
    stars,
    streak_freezes,
    study_plans,
)

# The boards' reads are module constants over bound parameters: SQLite compiles each once
# (Database.fetchall_inline). Their literals are written into the SQL (``_ZERO``), not bound,
# so a call's parameters are exactly the names below.
_G, _S, _U = bindparam("g", type_=Big), bindparam("s", type_=Text), bindparam("u", type_=Big)
_P = bindparam("p", type_=Big)
_ZERO = literal_column("0", Integer)
_t, _m, _h = score_totals.alias("t"), member_stats.alias("m"), hidden_members.alias("h")
_RANK_HINT = "INDEXED BY score_totals_rank"  # keeps the plan after ANALYZE as well
_WITH_STATS = _t.outerjoin(_m, and_(_m.c.guild_id == _t.c.guild_id, _m.c.user_id == _t.c.user_id))
_STATS = (func.coalesce(_m.c.streak, _ZERO), _m.c.last_answer_date)
TOP = (
    select(_t.c.user_id, _t.c.points, _t.c.answers, *_STATS,
           func.coalesce(_m.c.freezes_used, _ZERO))
    .select_from(_WITH_STATS)
    .where(_t.c.guild_id == _G, _t.c.scope == _S,
           ~exists().where(_h.c.guild_id == _t.c.guild_id, _h.c.user_id == _t.c.user_id))
    .order_by(_t.c.points.desc(), _t.c.user_id)
    .limit(bindparam("n", type_=Integer))
    .offset(bindparam("o", type_=Integer))
    .with_hint(_t, _RANK_HINT, dialect_name="sqlite")
)  # fmt: skip
# A rank: members on higher levels, ties with a smaller id, minus hidden members above.
_above_levels = select(func.coalesce(func.sum(score_levels.c.members), _ZERO)).where(
    score_levels.c.guild_id == _G, score_levels.c.scope == _S, score_levels.c.points > _P
)
_ties_before = (
    select(func.count())
    .select_from(score_totals)
    .where(score_totals.c.guild_id == _G, score_totals.c.scope == _S,
           score_totals.c.points == _P, score_totals.c.user_id < _U)
    .with_hint(score_totals, _RANK_HINT, dialect_name="sqlite")
)  # fmt: skip
_hidden_above = select(func.count()).select_from(_h).where(
    _h.c.guild_id == _G,
    exists().where(
        _t.c.guild_id == _G, _t.c.scope == _S, _t.c.user_id == _h.c.user_id,
        or_(_t.c.points > _P, and_(_t.c.points == _P, _t.c.user_id < _U)),
    ),
)  # fmt: skip
RANK = select(
    _above_levels.scalar_subquery() + _ties_before.scalar_subquery()
    - _hidden_above.scalar_subquery()
)  # fmt: skip
OWN = (
    select(_t.c.points, _t.c.answers, *_STATS, func.coalesce(_m.c.freezes_used, _ZERO))
    .select_from(_WITH_STATS)
    .where(_t.c.guild_id == _G, _t.c.scope == _S, _t.c.user_id == _U)
)
MEMBER_SCOPES = (
    select(score_totals.c.scope, score_totals.c.points, score_totals.c.answers)
    .where(score_totals.c.guild_id == _G, score_totals.c.user_id == _U)
    .with_hint(score_totals, "INDEXED BY score_totals_member", dialect_name="sqlite")
)
# Tables holding a member's own data, deleted by forget-me, in this order (``g`` the guild, ``u``
# the member). A member's answers in a blind post go with their entry; the feedback they wrote
# on a partner's round goes, the partner's round stays; a study plan made here goes (its
# reminders with it).
_GUILD_POSTS = select(daily_posts.c.id).where(daily_posts.c.guild_id == _G)
FORGET: tuple[tuple[str, Delete], ...] = tuple(
    (t.name, delete(t).where(where))
    for t, where in (
        (blind_entries, and_(blind_entries.c.user_id == _U,
                             blind_entries.c.daily_post_id.in_(_GUILD_POSTS))),
        *((t, and_(t.c.guild_id == _G, t.c.user_id == _U)) for t in (
            answers, quiz_sessions, points, member_stats, streak_freezes, nudge_settings, nudges,
            score_totals)),
        (stars, and_(stars.c.guild_id == _G,
                     or_(stars.c.giver_id == _U, stars.c.author_id == _U))),
        *((t, and_(t.c.guild_id == _G, t.c.user_id == _U)) for t in (
            best_answers, away_days, hidden_members, reports, forget_requests)),
        (mock_feedback, and_(mock_feedback.c.rater_id == _U, mock_feedback.c.session_id.in_(
            select(mock_sessions.c.id).where(mock_sessions.c.guild_id == _G)))),
        (mock_pairs, and_(mock_pairs.c.guild_id == _G, or_(
            mock_pairs.c.inviter_id == _U, mock_pairs.c.partner_id == _U,
            mock_pairs.c.candidate_id == _U))),
        # Its items, answers, ratings and partner feedback go with it (ON DELETE CASCADE).
        (mock_sessions, and_(mock_sessions.c.guild_id == _G, mock_sessions.c.user_id == _U)),
        (study_plans, and_(study_plans.c.user_id == _U,
                           or_(study_plans.c.guild_id == _G, study_plans.c.guild_id.is_(None)))),
        # The web board's display names.
        (member_names, and_(member_names.c.guild_id == _G, member_names.c.user_id == _U)),
    )
)  # fmt: skip
# A forgotten member leaves every level they stood on (before their totals go).
LEAVE_LEVELS = (
    update(score_levels)
    .where(
        tuple_(score_levels.c.guild_id, score_levels.c.scope, score_levels.c.points).in_(
            select(score_totals.c.guild_id, score_totals.c.scope, score_totals.c.points).where(
                score_totals.c.guild_id == _G, score_totals.c.user_id == _U
            )
        )
    )
    .values(members=score_levels.c.members - 1)
)
