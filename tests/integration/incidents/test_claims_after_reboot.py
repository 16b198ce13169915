"""A notice claimed by this machine before it rebooted goes out at once, not after the lease.

A claim (``pid|token@machine.bootid|host``) names its machine by a hash of
/etc/machine-id, which a reboot keeps, beside the boot id, which it changes. A claim from
another boot of this machine, made before the current boot began, belongs to a process
that ended with that boot: after a power cut the scheduler sends it on its first tick,
where it waited five minutes for the claim lease. Another machine's claim, a claim made
since this boot began (a cloned VM sharing the machine id is alive), and a claim of an
earlier version (no machine part) are left to the lease as before.

The service is given this machine (``repo.Machine``: machine id hash, boot id, boot start)
so that "this boot began a minute ago" holds whenever the test runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.integration.incidents.test_outbox_claims import (
    claimed_opening_notice,
    live_pid,  # noqa: F401  (a fixture)
    status_of,
)

from yuqing.runtime.incident_service import CLAIM_LEASE, IncidentService
from yuqing.storage import incident_repo as repo
from yuqing.storage import schema_incidents as t
from yuqing.storage.repo import process_alive, this_host

Make = Callable[..., IncidentService]

HERE = "5eed5eed5eed5eed"  # this machine's id hash, as the service is told it
ELSEWHERE = "beefbeefbeefbeef"  # another machine's
THIS_BOOT = "1" * 32
EARLIER_BOOT = "0" * 32
TOKEN = "0123456789abcdef"
BOOTED_AGO = timedelta(minutes=1)


def this_machine(*, booted_ago: timedelta = BOOTED_AGO, machine_id: str = HERE) -> repo.Machine:
    booted = datetime.now(UTC) - booted_ago
    return repo.Machine(machine_id, THIS_BOOT, lambda: booted)


def claim(pid: int, machine_id: str | None, boot: str | None) -> str:
    """A claim as written on this host; ``None`` leaves a part out (an earlier version)."""
    token = TOKEN + (f"@{machine_id}" if machine_id is not None else "")
    token += f".{boot}" if boot is not None else ""
    return f"{pid}|{token}|{this_host()}"


def outlive_lease(service: IncidentService) -> None:
    with service.db.write() as conn:
        conn.execute(
            t.notify_messages.update().values(
                claimed_at=datetime.now(UTC) - CLAIM_LEASE - timedelta(seconds=1)
            )
        )


def test_a_claim_this_machine_made_before_it_rebooted_goes_out_at_once(
    make_service: Make, receiver, dead_pid: int
) -> None:
    service = make_service(machine=this_machine())
    before_reboot = claim(dead_pid, HERE, EARLIER_BOOT)
    message_id = claimed_opening_notice(service, before_reboot, ago=timedelta(minutes=2))
    assert service.deliver_pending().sent == 1
    assert len(receiver.requests) == 1
    assert status_of(service, message_id) == ("sent", repo.claimant())


def test_a_pid_in_use_now_says_nothing_of_a_claim_from_before_the_reboot(
    make_service: Make,
    receiver,
    live_pid: int,  # noqa: F811
) -> None:
    # PIDs start again at each boot: the claim's PID is some other process's now.
    service = make_service(machine=this_machine())
    before_reboot = claim(live_pid, HERE, EARLIER_BOOT)
    message_id = claimed_opening_notice(service, before_reboot, ago=timedelta(minutes=2))
    assert service.deliver_pending().sent == 1
    assert status_of(service, message_id)[0] == "sent"


def test_a_claim_with_this_machine_s_id_made_since_this_boot_began_is_left_to_it(
    make_service: Make, receiver, dead_pid: int
) -> None:
    # Made by another boot while this one runs: a cloned VM with this machine id and
    # name, whose scheduler is sending the notice now. It waits for the lease.
    service = make_service(machine=this_machine())
    clone = claim(dead_pid, HERE, EARLIER_BOOT)
    message_id = claimed_opening_notice(service, clone, ago=timedelta(seconds=30))
    assert service.deliver_pending().sent == 0
    assert receiver.requests == []
    assert status_of(service, message_id) == ("sending", clone)
    outlive_lease(service)
    assert service.deliver_pending().sent == 1


@pytest.mark.parametrize(
    "claim_of",
    [
        pytest.param(lambda pid: claim(pid, ELSEWHERE, EARLIER_BOOT), id="another machine"),
        pytest.param(lambda pid: claim(pid, None, EARLIER_BOOT), id="an earlier version"),
        pytest.param(lambda pid: claim(pid, "", EARLIER_BOOT), id="an empty machine id"),
    ],
)
def test_a_claim_from_another_boot_not_known_as_this_machine_s_waits_for_the_lease(
    make_service: Make, receiver, dead_pid: int, claim_of: Callable[[int], str]
) -> None:
    service = make_service(machine=this_machine())
    before_boot = claim_of(dead_pid)
    message_id = claimed_opening_notice(service, before_boot, ago=timedelta(minutes=2))
    assert service.deliver_pending().sent == 0
    assert receiver.requests == []
    assert status_of(service, message_id) == ("sending", before_boot)
    outlive_lease(service)
    assert service.deliver_pending().sent == 1


@pytest.mark.parametrize("boot", [THIS_BOOT, None], ids=["this boot", "no boot id"])
def test_an_earlier_version_s_claim_of_a_dead_process_in_this_boot_goes_out_at_once(
    make_service: Make, receiver, dead_pid: int, boot: str | None
) -> None:
    service = make_service(machine=this_machine())
    message_id = claimed_opening_notice(
        service, claim(dead_pid, None, boot), ago=timedelta(seconds=2)
    )
    assert service.deliver_pending().sent == 1
    assert status_of(service, message_id)[0] == "sent"


LONG_AGO = datetime.now(UTC) - timedelta(hours=1)


@pytest.mark.parametrize(
    ("machine", "claimed_at"),
    [
        pytest.param(repo.Machine("", THIS_BOOT), LONG_AGO, id="no machine id here"),
        pytest.param(repo.Machine(HERE, ""), LONG_AGO, id="no boot id here"),
        pytest.param(repo.Machine(HERE, THIS_BOOT, lambda: None), LONG_AGO, id="no boot start"),
        pytest.param(this_machine(), None, id="claim time unreadable"),
    ],
)
def test_a_claim_from_another_boot_is_not_taken_when_this_machine_cannot_tell(
    machine: repo.Machine, claimed_at: datetime | None
) -> None:
    before_reboot = claim(12345, HERE, EARLIER_BOOT)
    assert not repo.claim_is_orphaned(
        before_reboot, alive=lambda pid: False, claimed_at=claimed_at, machine=machine
    )


def test_a_claim_from_before_the_reboot_on_another_host_is_not_taken() -> None:
    elsewhere = f"12345|{TOKEN}@{HERE}.{EARLIER_BOOT}|another-host pid:[4026531836]"
    assert not repo.claim_is_orphaned(
        elsewhere,
        alive=lambda pid: False,
        claimed_at=LONG_AGO,
        machine=this_machine(),
    )


def earlier_version_orphaned(claimed_by: str, boot_id: str) -> bool:
    """How the version before the machine id read a claim of another process."""
    pid_text, _, rest = claimed_by.partition("|")
    token, _, host = rest.partition("|")
    if host != this_host() or not pid_text.isdigit():
        return False
    token, _, boot = token.partition(".")
    if boot and boot != boot_id:
        return False
    return not process_alive(int(pid_text))


def test_this_version_s_claim_reads_to_the_earlier_version_as_before(
    dead_pid: int,
    live_pid: int,  # noqa: F811
) -> None:
    # Both versions may run during an upgrade: the machine part sits where the earlier one
    # reads a token, so it still takes this version's dead claims of this boot at once.
    mine = repo.claimant()
    pid, token, host = mine.split("|", 2)
    assert pid == str(os.getpid()) and host == this_host()
    if repo.THIS_MACHINE.id:
        assert f"@{repo.THIS_MACHINE.id}" in token
    assert len(mine) <= 320
    assert not repo.claim_is_orphaned(mine)
    boot = repo.THIS_MACHINE.boot_id
    assert earlier_version_orphaned(f"{dead_pid}|{token}|{host}", boot)
    assert not earlier_version_orphaned(f"{live_pid}|{token}|{host}", boot)


def test_the_machine_id_is_kept_only_as_a_hash(tmp_path: Path) -> None:
    machine_id = "3d1219c7c4c5404aaa1f6d2a48adfda4"
    first, other = tmp_path / "machine-id", tmp_path / "other-machine-id"
    first.write_text(machine_id + "\n")
    other.write_text("a" * 32 + "\n")
    key = repo.machine_id_hash([str(first)])
    assert len(key) == 16 and int(key, 16) >= 0
    assert key not in machine_id
    assert repo.machine_id_hash([str(first)]) == key  # the same after a reboot
    assert repo.machine_id_hash([str(other)]) != key
    # /etc/machine-id missing: the D-Bus copy.
    assert repo.machine_id_hash([str(tmp_path / "missing"), str(first)]) == key


@pytest.mark.parametrize("text", ["", "uninitialized\n", "not hex " * 4, "abc"])
def test_a_machine_without_an_id_of_its_own_claims_as_before(tmp_path: Path, text: str) -> None:
    path = tmp_path / "machine-id"
    path.write_text(text)
    assert repo.machine_id_hash([str(path), str(tmp_path / "missing")]) == ""


def test_the_boot_start_is_read_from_the_kernel_s_btime(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  1 2 3\nintr 5\nbtime 1796059715\nprocesses 9\n")
    assert repo.boot_started(str(stat)) == datetime.fromtimestamp(1796059715, UTC)
    stat.write_text("cpu  1 2 3\n")
    assert repo.boot_started(str(stat)) is None
    stat.write_text("btime soon\n")
    assert repo.boot_started(str(stat)) is None
    assert repo.boot_started(str(tmp_path / "missing")) is None


def test_this_machine_s_boot_start_agrees_with_its_uptime() -> None:
    uptime = Path("/proc/uptime")
    if not uptime.exists():
        pytest.skip("no /proc/uptime here")
    up = float(uptime.read_text().split()[0])
    started = repo.THIS_MACHINE.booted_at()
    assert started is not None
    expected = datetime.now(UTC) - timedelta(seconds=up)
    assert abs((started - expected).total_seconds()) < 2


def test_the_outbox_reads_claim_times_for_the_reboot_rule(
    make_service: Make, dead_pid: int
) -> None:
    # The repository function the scheduler calls, given this machine directly.
    service = make_service()
    before_reboot = claim(dead_pid, HERE, EARLIER_BOOT)
    message_id = claimed_opening_notice(service, before_reboot, ago=timedelta(minutes=2))
    now = datetime.now(UTC)
    with service.db.write() as conn:
        assert repo.pending_messages(conn, stale_claim_before=now - CLAIM_LEASE) == []
        (row,) = repo.pending_messages(
            conn, stale_claim_before=now - CLAIM_LEASE, machine=this_machine()
        )
        assert row.id == message_id
        assert repo.claim_message(conn, row.id, row.status, now, claimed_by=row.claimed_by)
        status = conn.execute(select(t.notify_messages.c.status)).scalar_one()
    assert status == "sending"
