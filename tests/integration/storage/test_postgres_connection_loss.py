"""A running ``yuqing serve`` on PostgreSQL survives losing its database connections.

In production the server drops them: a failover, a restart, a proxy's idle timeout, a DBA's
``pg_terminate_backend``. The console, the API, the push, the incident scheduler and the
ingest workers must each fail once at most (a 503, one clear log line) and then work again
on their own, with nothing stored twice or half, no thread dead and no clock left unfired.

Everything is wired as ``yuqing serve`` wires it (``start_standard_workers``, the app's
lifespan), on PostgreSQL only: through a loopback TCP relay that the tests stop (the server
unreachable: connections refused, open ones cut) and start again, and with an
``application_name`` of the test's own, by which only this process's connections are
terminated (the shared server is never restarted).
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from tests.factories import post
from tests.integration.incidents.incident_helpers import LEVEL_II, MONDAY_10, make_plan

from yuqing.api.app import STORAGE_FAILED, create_app
from yuqing.core.posts import parse_post_record
from yuqing.incidents import ClockStatus
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.incident_service import IncidentService, attach_service
from yuqing.runtime.occurrences import incident_handler
from yuqing.runtime.retention import purge_expired_posts
from yuqing.runtime.scheduler import start_incident_workers
from yuqing.runtime.workers import Workers, replay_into, start_standard_workers
from yuqing.sources.base import Item, Located
from yuqing.storage import repo
from yuqing.storage import schema as t
from yuqing.storage.schema_incidents import notify_messages
from yuqing.testing.clock import FakeClock

pytestmark = pytest.mark.postgres

TOKEN = "push-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The threads `yuqing serve` runs besides the web server's.
SERVE_THREADS = {"yuqing-feeds", "yuqing-incident-scheduler", "yuqing-retention"}


class LoopbackProxy:
    """A TCP relay on 127.0.0.1 to the PostgreSQL server. Stopped, the database is
    unreachable through it: new connections are refused and open ones are cut, as when
    the server goes down; started again, on the same port, it relays again."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.start()

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._spawn(self._accept, listener)

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            cut, self._open = self._open, set()
        if listener is not None:
            _shut(listener)  # wakes the thread blocked in accept()
            listener.close()
        for sock in cut:
            _shut(sock)
            sock.close()
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(5)

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile
                    client.close()
                    upstream.close()
                    return
                self._open.update((client, upstream))
            self._spawn(self._relay, client, upstream)
            self._spawn(self._relay, upstream, client)

    def _relay(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _shut(sink)  # the other direction ends too
            with self._lock:
                closing = source in self._open
                self._open.discard(source)
            if closing:
                source.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Served:
    """One ``yuqing serve`` process's worth of objects, its client and its database's relay."""

    ctx: Context
    service: IncidentService
    clock: FakeClock
    client: TestClient
    workers: Workers
    proxy: LoopbackProxy
    admin_url: str  # straight to the server, for what the test does behind serve's back
    schema_url: str  # the same, in the test's schema
    application_name: str

    def drop_connections(self, *, waiting_on_lock: bool = False) -> int:
        """Have the server terminate this process's connections (those waiting on a lock
        only, if told so), as a DBA or a failover would; returns how many it ended."""
        condition = "AND wait_event_type = 'Lock'" if waiting_on_lock else ""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s " + condition,
                    (self.application_name,),
                )
            ]
            for pid in pids:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                left = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
                ).fetchone()
                if left is None or left[0] == 0:
                    break
                time.sleep(0.02)
        return len(pids)

    def wait_for_lock_waiter(self) -> None:
        """Until one of this process's connections waits on a lock the test holds."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                    "AND wait_event_type = 'Lock'",
                    (self.application_name,),
                ).fetchone()
                if row is not None and row[0]:
                    return
                time.sleep(0.02)
        raise AssertionError("no connection of the server came to wait on the test's lock")

    def push(self, body: list[dict[str, Any]]) -> Any:
        return self.client.post("/api/v1/posts", json=body, headers=AUTH)

    def posts_stored(self) -> tuple[int, int]:
        """(posts, distinct identities) in the store, read behind serve's back."""
        with psycopg.connect(self.schema_url) as conn:
            row = conn.execute("SELECT count(*), count(DISTINCT identity) FROM posts").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


def until(condition: Callable[[], bool], seconds: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def pushed(first: int, count: int) -> list[dict[str, Any]]:
    """Posts published in the hour before the test's clock (none ahead of it)."""
    return [
        post(n, published_at=(MONDAY_10 - timedelta(minutes=60) + timedelta(seconds=n)).isoformat())
        for n in range(first, first + count)
    ]


def replayed(first: int, count: int) -> list[Item]:
    return [
        Located(parse_post_record(record), f"replayed post {n}")
        for n, record in zip(range(first, first + count), pushed(first, count), strict=True)
    ]


def clocks_missed(service: IncidentService, incident_id: str) -> bool:
    try:
        clocks = service.incident(incident_id).clocks
    except Exception:  # the database may not answer yet
        return False
    return any(c.status is ClockStatus.MISSED for c in clocks)


def works_again(caplog: pytest.LogCaptureFixture, logger: str, who: str) -> bool:
    return any(
        r.name == logger and r.getMessage().startswith(f"{who} works again") for r in caplog.records
    )


def outbox_settled(service: IncidentService) -> bool:
    with service.db.read() as conn:
        waiting = conn.execute(
            select(func.count())
            .select_from(notify_messages)
            .where(notify_messages.c.status.in_(("pending", "sending")))
        ).scalar_one()
    return int(waiting) == 0


def serve_threads() -> set[str]:
    return {thread.name for thread in threading.enumerate() if thread.is_alive()}


@pytest.fixture
def serve(
    postgres_url: str, postgres_base_url: str, make_settings: Callable[..., Any]
) -> Iterator[Callable[..., Served]]:
    """Start a ``yuqing serve`` (context, plan engine, workers, app) on the test's schema,
    its database reached through a relay; everything is stopped when the test ends."""
    made: list[tuple[Served, Any]] = []
    proxy = LoopbackProxy("127.0.0.1", make_url(postgres_base_url).port or 5432)

    def start(*, detection: bool = False, workers_too: bool = True) -> Served:
        name = f"yuqing-test-{uuid.uuid4().hex[:12]}"
        url = (
            make_url(postgres_url)
            .set(host="127.0.0.1", port=proxy.port)
            .update_query_dict({"application_name": name})
        )
        settings = make_settings(
            database_url=url.render_as_string(hide_password=False),
            push_token=TOKEN,
            detection=detection,
            public_base_url="http://127.0.0.1:9",
        )
        clock = FakeClock(MONDAY_10)
        ctx = open_context(settings, clock=clock)
        plan = make_plan(None)  # everyone reached in the app: no network
        service = IncidentService.from_settings(
            settings, ctx.db, clock, plan=plan, roster=plan.roster
        )
        attach_service(ctx, service)
        ctx.on_occurrences = incident_handler(ctx)
        ctx.ingestor  # noqa: B018 (built as serve builds it: before the workers start)
        workers = Workers()

        def background() -> Callable[[], None]:
            if workers_too:
                start_standard_workers(ctx, workers)
            return workers.stop

        client = TestClient(create_app(ctx, background=background))
        client.__enter__()
        plain = postgres_base_url.replace("postgresql+psycopg://", "postgresql://")
        schema_url = make_url(postgres_url).set(drivername="postgresql")
        served = Served(
            ctx=ctx,
            service=service,
            clock=clock,
            client=client,
            workers=workers,
            proxy=proxy,
            admin_url=plain,
            schema_url=schema_url.render_as_string(hide_password=False),
            application_name=name,
        )
        made.append((served, client))
        return served

    yield start
    if not proxy.running:
        proxy.start()
    for served, client in made:
        client.__exit__(None, None, None)
        served.workers.stop()
        served.service.close()
        lease = served.ctx.lease
        if lease is not None and lease.held:
            # The lease's own connection was terminated with the others, and its lock with
            # it: storage/lease.py does not see it, and its release raises.
            with contextlib.suppress(DBAPIError):
                lease.release()
        served.ctx.close()
    proxy.stop()


def test_the_console_and_the_stats_answer_after_the_server_dropped_every_connection(
    serve: Callable[..., Served],
) -> None:
    served = serve()
    for path in ("/", "/api/v1/stats", "/api/v1/sources"):
        assert served.client.get(path).status_code == 200
    assert served.drop_connections() >= 1
    answers = [served.client.get(path).status_code for path in ["/", "/api/v1/stats"] * 3]
    # One failure at most (a 503, never a 500), then every request works again.
    assert answers[0] in (200, 503) and answers[1:] == [200] * 5, answers


def test_a_push_after_the_drop_is_stored_exactly_once(serve: Callable[..., Served]) -> None:
    served = serve(detection=True)
    assert served.push(pushed(0, 5)).json()["stored"] == 5
    assert served.drop_connections() >= 1
    answer = served.push(pushed(5, 120))  # three batches of 50
    if answer.status_code == 503:  # refused whole; the client sends it again
        answer = served.push(pushed(5, 120))
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 120
    again = served.push(pushed(5, 120)).json()
    assert again["stored"] == 0 and again["duplicates"] == 120
    assert served.posts_stored() == (125, 125)


def test_a_push_cut_in_its_transaction_is_refused_whole_and_stored_once_when_sent_again(
    serve: Callable[..., Served],
) -> None:
    served = serve(detection=True)
    body = pushed(0, 40)
    answers: list[Any] = []
    with psycopg.connect(served.schema_url) as locker:
        # The push's insert waits on this lock; its connection is then terminated.
        locker.execute("LOCK TABLE posts IN EXCLUSIVE MODE")
        pushing = threading.Thread(target=lambda: answers.append(served.push(body)))
        pushing.start()
        served.wait_for_lock_waiter()
        assert served.drop_connections(waiting_on_lock=True) == 1
        locker.rollback()
    pushing.join(30)
    (answer,) = answers
    assert answer.status_code == 503 and answer.json()["detail"] == STORAGE_FAILED
    assert served.posts_stored() == (0, 0)  # nothing of the batch half-stored
    retried = served.push(body)
    assert retried.status_code == 200 and retried.json()["stored"] == 40, retried.text
    assert served.push(body).json()["duplicates"] == 40
    assert served.posts_stored() == (40, 40)
    with served.ctx.db.read() as conn:
        stories = conn.execute(select(func.sum(t.stories.c.post_count))).scalar_one()
        runs = [run.status for run in reversed(repo.list_runs(conn))]
    assert stories == 40  # the stories grown in the lost transaction went with it
    assert runs == ["failed", "done", "done"]


def test_the_scheduler_and_the_workers_go_on_after_the_drop_and_clocks_fire(
    serve: Callable[..., Served],
) -> None:
    served = serve()
    incident = served.service.on_event_raised("ev-fire", "化工厂火灾", LEVEL_II, MONDAY_10)
    assert incident is not None
    until(lambda: outbox_settled(served.service), what="the opening notices delivered")
    assert served.drop_connections() >= 1
    served.clock.advance(minutes=60)
    served.service.wake()
    until(lambda: clocks_missed(served.service, incident), what="the missed clock fired")
    assert serve_threads() >= SERVE_THREADS


def test_a_tick_cut_in_its_transaction_fails_as_a_whole_blames_no_incident_and_leaks_nothing(
    serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
) -> None:
    """Before, every incident left in the cut transaction was logged as one that could not
    be applied (and never again for a fault of its own), and the tick's delivery pump went
    on polling the outbox twenty times a second for the process's life."""
    caplog.set_level(logging.INFO)
    served = serve()
    service = served.service
    incidents = sorted(
        str(service.on_event_raised(f"ev-{n}", f"事件{n}", LEVEL_II, MONDAY_10)) for n in range(3)
    )
    until(lambda: outbox_settled(service), what="the opening notices delivered")
    with psycopg.connect(served.schema_url) as locker:
        # The scheduler locks incidents FOR UPDATE in id order: it waits on the first.
        # (NO KEY UPDATE: delivery's timeline entries, which only share the key, go on.)
        locker.execute("SELECT 1 FROM incidents WHERE id = %s FOR NO KEY UPDATE", (incidents[0],))
        served.clock.advance(minutes=60)
        service.wake()
        served.wait_for_lock_waiter()
        assert served.drop_connections(waiting_on_lock=True) == 1
        locker.rollback()
    for incident in incidents:
        until(partial(clocks_missed, service, incident), what=f"{incident}'s clock fired")
    said = [r.getMessage() for r in caplog.records if r.name == "yuqing.scheduler"]
    assert not [line for line in said if "could not be applied" in line], said
    failed = [r for r in caplog.records if r.name == "yuqing.scheduler" and r.levelno >= 40]
    assert len(failed) == 1, said
    assert failed[0].getMessage().startswith("scheduler tick failed: ")
    assert "terminating connection" in failed[0].getMessage()
    until(
        lambda: "yuqing-deliver-pump" not in serve_threads(),
        seconds=5,
        what="the cut tick's delivery pump ended",
    )
    assert serve_threads() >= SERVE_THREADS


def test_the_server_unreachable_for_seconds_then_back_is_survived_without_a_restart(
    serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    served = serve()
    ctx = served.ctx
    incident = served.service.on_event_raised("ev-flood", "河口乡内涝", LEVEL_II, MONDAY_10)
    assert incident is not None
    until(lambda: outbox_settled(served.service), what="the opening notices delivered")
    # A worker of the standard kind, on a short period (serve's retention runs hourly).
    served.workers.every(
        "purge", 0.3, lambda: purge_expired_posts(ctx.db, ctx.clock, ctx.settings.retention_days)
    )
    assert served.push(pushed(0, 10)).json()["stored"] == 10

    served.proxy.stop()
    served.clock.advance(minutes=60)
    served.service.wake()
    stats = served.client.get("/api/v1/stats")
    assert stats.status_code == 503 and stats.json()["detail"] == STORAGE_FAILED
    # A server gone is no busy moment: no Retry-After promised.
    assert stats.json()["code"] == "storage.unavailable" and "Retry-After" not in stats.headers
    assert served.client.get("/").status_code == 503
    refused = served.push(pushed(10, 60))
    assert refused.status_code == 503 and refused.json()["detail"] == STORAGE_FAILED
    time.sleep(3)
    assert serve_threads() >= SERVE_THREADS | {"yuqing-purge"}
    served.proxy.start()

    answers = [served.client.get("/api/v1/stats").status_code for _ in range(3)]
    assert answers[0] in (200, 503) and answers[1:] == [200, 200], answers
    assert served.client.get("/").status_code == 200
    stored = served.push(pushed(10, 60))
    assert stored.status_code == 200 and stored.json()["stored"] == 60, stored.text
    assert served.posts_stored() == (70, 70)
    until(lambda: clocks_missed(served.service, incident), what="the missed clock fired")
    assert serve_threads() >= SERVE_THREADS | {"yuqing-purge"}

    for who, name in (("scheduler tick", "yuqing.scheduler"), ("worker purge", "yuqing.workers")):
        until(partial(works_again, caplog, name, who), 10, f"{who} saying it works again")
        said = [r.getMessage() for r in caplog.records if r.name == name]
        failed = [line for line in said if line.startswith(f"{who} failed")]
        again = next(line for line in said if line.startswith(f"{who} works again"))
        attempts = int(re.search(r"after (\d+) failed attempts?", again).group(1))  # type: ignore[union-attr]
        # Several attempts failed; each different failure was said once, in one line that
        # names the database's own reason, and not a traceback a second.
        assert attempts >= 2, again
        assert 1 <= len(failed) < attempts and len(set(failed)) == len(failed), said
        assert any("Connection refused" in line for line in failed), failed


def test_the_replay_worker_stores_every_batch_once_across_an_outage(
    serve: Callable[..., Served], caplog: pytest.LogCaptureFixture
) -> None:
    served = serve(workers_too=False)
    gate = threading.Event()

    def stream() -> Iterator[list[Item]]:
        for batch in range(10):
            if batch == 4:
                gate.wait(30)  # the server goes away here
            yield replayed(10 * batch, 10)

    replay_into(served.ctx, stream(), served.workers, origin="outage replay")
    until(lambda: served.posts_stored()[0] == 40, what="the first four batches stored")
    served.proxy.stop()
    gate.set()
    time.sleep(3)
    served.proxy.start()
    until(lambda: served.posts_stored()[0] == 100, what="every batch stored")
    time.sleep(0.3)
    assert served.posts_stored() == (100, 100)
    assert "going on without it" not in caplog.text


def test_deferred_messages_are_requeued_once_the_database_answers_after_a_start_without_it(
    serve: Callable[..., Served],
) -> None:
    """The scheduler requeues the deferred messages a restart lost before its first tick;
    with the database unreachable then, they were left deferred until the next restart."""
    served = serve(workers_too=False)
    incident = served.service.on_event_raised("ev-gas", "燃气泄漏", LEVEL_II, MONDAY_10)
    assert incident is not None
    with served.ctx.db.write() as conn:
        # Deferred, its queue entry lost (as by a crash between the two writes).
        lost = conn.execute(
            text(
                "UPDATE notify_messages SET status = 'deferred' WHERE id = "
                "(SELECT min(id) FROM notify_messages) RETURNING id"
            )
        ).scalar_one()
    served.proxy.stop()
    start_incident_workers(served.ctx, served.workers)
    time.sleep(2)
    served.proxy.start()

    def status() -> str | None:
        try:
            with served.ctx.db.read() as conn:
                found = conn.execute(
                    select(notify_messages.c.status).where(notify_messages.c.id == lost)
                ).scalar_one()
        except Exception:
            return None
        return str(found)

    until(lambda: status() == "sent", what=f"message {lost} requeued and sent")
