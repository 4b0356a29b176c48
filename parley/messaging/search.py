"""Full-text search over the messages a user can read: one channel or all of theirs,
newest first, keyset-paged, each hit with a highlighted snippet. PostgreSQL matches with
`websearch_to_tsquery` over a generated tsvector; SQLite with FTS5; the query syntax is the
same on both (words, "quoted phrases", `or`, `-word`). Encrypted channels are never searched
(the server holds ciphertext only), nor deleted messages, nor the messages of users with a
block either way with the searcher."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid
from parley.messaging import history, service
from parley.messaging import search_repository as repository
from parley.messaging.history import MessageView
from parley.messaging.search_repository import MARK_END, MARK_START

MAX_QUERY = 200
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class SearchHit:
    view: MessageView
    highlight: str  # HTML-escaped snippet, matched words inside <mark>…</mark>


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchHit]
    next_cursor: int | None  # pass as `before` for older hits


def _terms(query: str) -> list[tuple[str, str]]:
    """(operator, words) per term: operator "" (and), "or" or "not"."""
    terms: list[tuple[str, str]] = []
    pending = ""
    for match in _TOKEN.finditer(query):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None and word.lower() == "or":
            pending = "or" if terms else ""
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        words = " ".join(re.findall(r"\w+", phrase if phrase is not None else word or ""))
        if not words:
            continue
        terms.append(("not" if negated else pending, words))
        pending = ""
    return terms


def fts5_query(query: str) -> str:
    """The websearch-style query as an FTS5 expression: every term quoted (FTS5 operators
    in the text are only words), AND by default."""
    parts: list[str] = []
    for operator, words in _terms(query):
        quoted = '"' + words.replace('"', '""') + '"'
        if operator == "not":
            parts.append(f"NOT {quoted}")
        elif operator == "or" and parts:
            parts.append(f"OR {quoted}")
        else:
            parts.append(quoted if not parts else f"AND {quoted}")
    return " ".join(parts)


def check_query(query: str) -> str:
    query = query.strip()
    if not query or len(query) > MAX_QUERY or "\x00" in query:
        raise Invalid(f"A search is 1-{MAX_QUERY} characters")
    terms = _terms(query)
    if not terms or terms[0][0] == "not":
        raise Invalid("A search needs at least one word to find (before any -word)")
    return query


def highlight(snippet: str) -> str:
    """Escape the snippet for HTML, then turn the match marks into <mark> elements."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


async def search_messages(
    session: AsyncSession,
    user_id: int,
    query: str,
    *,
    channel_id: int | None = None,
    before: int | None = None,
    limit: int = 20,
) -> SearchPage:
    """Hits newest first; `channel_id` limits the search to one of the caller's channels
    (ChannelNotFound for others; Blocked for a direct channel with a block either way)."""
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1-100")
    query = check_query(query)
    if channel_id is not None:
        channel, _ = await service.member_channel(session, user_id, channel_id)
        if channel.kind == "dm":
            await service.recipients(session, channel, user_id)  # Blocked when blocked
    channel_ids = await repository.readable_channel_ids(session, user_id, channel_id)
    if not channel_ids:
        return SearchPage([], None)
    postgres = session.get_bind().dialect.name == "postgresql"
    rows = await repository.search(
        session,
        query if postgres else fts5_query(query),
        channel_ids=channel_ids,
        hidden_authors=await repository.block_partners(session, user_id),
        before=before,
        limit=limit + 1,
    )
    page = rows[:limit]
    views = await history.views(session, user_id, [message for message, _ in page])
    items = [
        SearchHit(view, highlight(snippet)) for view, (_, snippet) in zip(views, page, strict=True)
    ]
    return SearchPage(items, page[-1][0].id if len(rows) > limit else None)
