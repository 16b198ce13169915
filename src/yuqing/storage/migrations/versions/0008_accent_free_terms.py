"""accent-free search terms: stored posts' accented words also indexed without accents

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

SQLite's FTS5 index (tokenizer unicode61) ignores accents, PostgreSQL's ``simple``
configuration does not: ``cafe`` found "Café" and ``resume`` "résumé" only on SQLite.
Posts now index the accent-free form of each accented term (``segment.fold_accents``)
and search looks words up in that form. This adds those forms to the posts stored
before, on both databases, so that the stored terms are the same whichever database
holds them (SQLite's index finds the posts without them, but a copy to PostgreSQL would
not).

Downgrade leaves the added terms: the earlier version reads them as more words of the
post (it then finds "Café" for ``cafe`` on PostgreSQL too, as it did on SQLite), and they
cannot be told apart from the same words written without accents in the text.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Latin letters with diacritics and their neighbours (Latin-1 to Latin Extended-B, Latin
# Extended Additional): a prefilter, the terms themselves decide.
_LATIN = "[\u00c0-\u024f\u1e00-\u1eff]"
_BATCH = 1_000


def _added(terms: list[str]) -> list[str]:
    """The accent-free forms of the accented terms, as the pipeline adds them."""
    # Here, not at the top: Alembic imports every revision at each upgrade, and the text
    # pipeline's modules are needed only when this one runs.
    from yuqing.textproc.segment import fold_accents

    added = [bare for term in terms if (bare := fold_accents(term)) != term]
    # None when the post holds them all already (stored by this version, or upgraded
    # before a downgrade): upgrading again adds nothing.
    return added if not set(added) <= set(terms) else []


def upgrade() -> None:
    bind = op.get_bind()
    posts = sa.table("posts", sa.column("id"), sa.column("search_terms", sa.Text))
    accented = (
        posts.c.search_terms.op("GLOB")(f"*{_LATIN}*")
        if bind.dialect.name == "sqlite"
        else posts.c.search_terms.op("~")(_LATIN)
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(posts.c.id, posts.c.search_terms)
            .where(posts.c.id > last, accented)
            .order_by(posts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        changed = [
            {"row_id": row.id, "terms": " ".join([*terms, *added])}
            for row in rows
            if (added := _added(terms := row.search_terms.split()))
        ]
        if changed:
            bind.execute(
                posts.update()
                .where(posts.c.id == sa.bindparam("row_id"))
                .values(search_terms=sa.bindparam("terms")),
                changed,
            )


def downgrade() -> None:
    """Nothing to undo (see above)."""
