"""Review of the outbox claims (``pid|token|host``): a claim is taken again at once only
when its process is known gone; a claim of a live process, here or on another machine,
is never sent twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.integration.incidents.test_outbox_claims import claimed_opening_notice

from yuqing.runtime.incident_service import CLAIM_LEASE, IncidentService
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema_incidents as t
from yuqing.storage.repo import this_host

Make = Callable[..., IncidentService]


def test_the_host_part_of_a_claim_tells_machines_apart_by_their_name_only() -> None:
    # The fact behind the next test: outside a container every Linux machine is in the
    # initial PID namespace, whose id is one constant (4026531836, PROC_PID_INIT_INO).
    # Two machines of one name (cloned VMs, "localhost") write the same host part.
    host = this_host()
    if not host.endswith("pid:[4026531836]"):
        pytest.skip("runs in a PID namespace of its own")
    assert host == f"{host.rsplit(' ', 1)[0]} pid:[4026531836]"


def test_a_claim_from_another_machine_of_the_same_name_waits_for_the_lease(
    make_service: Make, receiver, dead_pid: int
) -> None:
    # Another machine, of this one's name and in its initial PID namespace too, has the
    # notice in flight: its scheduler is alive there. Its PID means nothing here (free
    # here, as dead_pid is): taken at once, the notice went out twice. The claim carries
    # the machine's boot id (/proc/sys/kernel/random/boot_id) beside its token.
    service = make_service()
    _, token, host = repo.claimant().split("|", 2)
    other_boot = "0" * 32
    assert other_boot not in token
    elsewhere = f"{dead_pid}|0123456789abcdef.{other_boot}|{host}"
    message_id = claimed_opening_notice(service, elsewhere, ago=timedelta(seconds=2))
    assert service.deliver_pending().sent == 0
    assert receiver.requests == []
    with service.db.write() as conn:
        conn.execute(
            t.notify_messages.update().values(
                claimed_at=datetime.now(UTC) - CLAIM_LEASE - timedelta(seconds=1)
            )
        )
    assert service.deliver_pending().sent == 1  # silent past the lease: taken again
    with service.db.read() as conn:
        row = conn.execute(
            select(t.notify_messages.c.status).where(t.notify_messages.c.id == message_id)
        ).one()
    assert row.status == "sent"


def test_this_live_process_s_own_claim_is_never_taken_again(make_service: Make, receiver) -> None:
    service = make_service()
    claimed_opening_notice(service, repo.claimant(), ago=timedelta(seconds=2))
    assert service.deliver_pending().sent == 0
    assert receiver.requests == []
