"""A notice that cannot be sent must not hold up every other incident's notices.

The dispatcher refuses a subject with a line break or a control character. An incident's
title comes from posts (detection) or from a client; before, a title with a line break
went into its notices' subjects, the first such notice failed the whole delivery at every
tick, and no incident's notice went out any more.
"""

from __future__ import annotations

from collections.abc import Callable

from incident_helpers import LEVEL_II, MONDAY_10, received
from sqlalchemy import select

from yuqing.runtime.incident_service import IncidentService
from yuqing.storage import schema_incidents as t

Make = Callable[..., IncidentService]


def stored_messages(service: IncidentService) -> list[tuple[str, str, str | None]]:
    with service.db.read() as conn:
        rows = conn.execute(
            select(
                t.notify_messages.c.subject, t.notify_messages.c.status, t.notify_messages.c.detail
            ).order_by(t.notify_messages.c.created_at, t.notify_messages.c.id)
        ).all()
    return [(row.subject, row.status, row.detail) for row in rows]


def test_an_event_title_with_line_breaks_and_controls_is_sent_on_one_line(
    make_service: Make, receiver
) -> None:
    service = make_service()
    title = "化工厂\n火灾\x1b[31m 现场\u202e浓烟"
    assert service.on_event_raised("ev-1", title, LEVEL_II, MONDAY_10, "云溪县")
    counts = service.deliver_pending()
    assert counts.sent >= 1 and counts.undelivered == 0
    subjects = [body["subject"] for _, body in received(receiver)]
    assert subjects and all("化工厂 火灾 [31m 现场浓烟" in s for s in subjects)
    assert all(s.isprintable() for s in subjects)
    assert all(status == "sent" for _, status, _ in stored_messages(service))


def test_a_stored_message_that_cannot_be_sent_ends_undelivered_and_the_rest_go(
    make_service: Make, receiver
) -> None:
    service = make_service()
    assert service.on_event_raised("ev-1", "化工厂火灾", LEVEL_II, MONDAY_10, "云溪县")
    assert service.on_event_raised("ev-2", "学校食物中毒", LEVEL_II, MONDAY_10, "云溪县")
    # As an earlier version stored it: the first incident's notices with a line break.
    with service.db.write() as conn:
        conn.execute(
            t.notify_messages.update()
            .where(t.notify_messages.c.subject.like("%化工厂火灾%"))
            .values(subject="事件通报｜化工厂\n火灾")
        )
    counts = service.deliver_pending()
    stored = stored_messages(service)
    broken = [m for m in stored if "\n" in m[0]]
    fine = [m for m in stored if "\n" not in m[0]]
    assert broken and fine
    assert counts.undelivered == len(broken) and counts.sent == len(fine)
    assert all(status == "undelivered" for _, status, _ in broken)
    assert all("subject" in (detail or "") for _, _, detail in broken)
    assert all(status == "sent" for _, status, _ in fine)
    assert {body["subject"] for _, body in received(receiver)} == {m[0] for m in fine}
    # Nothing is left claimed: the next delivery has nothing to do.
    assert service.deliver_pending().total == 0
