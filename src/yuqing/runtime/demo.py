"""The demo: a fresh database fed by the generated scenario of a fictional county.

``yuqing serve --demo`` (what ``make run`` starts) uses ``<data_dir>/demo.db``, emptied at
each start, so the real database is never touched; the scenario's day is replayed as it
was written (stream time from 2026-07-14 09:00 China time) at an accelerated clock, so
something happens within a minute and what the posts say of dates and times agrees with
the console's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.core.posts import parse_post_record
from yuqing.demo.scenario import DEMO_PLACES, NEWS_SITES, generate_scenario, prelude_posts
from yuqing.errors import StorageError
from yuqing.runtime.context import Context, open_context
from yuqing.runtime.workers import Workers, replay_into
from yuqing.settings import Settings
from yuqing.sources.base import Item, Located
from yuqing.sources.replay import Replayer
from yuqing.storage import repo
from yuqing.storage.db import Database
from yuqing.storage.lease import DetectionLease
from yuqing.textproc.pipeline import TextPipeline
from yuqing.textproc.places import Place, PlaceFinder, names_around

#: The demo's monitors, written as a duty desk would: each names what the incident is
#: (a fire, not any word with 火 in it; a rainstorm warning, not tomorrow's forecast) and
#: leaves drills out, so the county's ordinary chatter (a hotpot restaurant by the park, a
#: fire drill at work, "rain next week") matches none of them.
DEMO_MONITORS: tuple[tuple[str, str], ...] = (
    (
        "化工园区火情",
        "(化工 OR 化工厂 OR 化工园区) AND (火灾 OR 起火 OR 着火 OR 失火 OR 爆炸 OR 爆燃"
        " OR 浓烟 OR 黑烟 OR 火情 OR 火势 OR 明火 OR 火光 OR 大火) NOT 演练",
    ),
    (
        "校园食品安全",
        "(学校 OR 食堂 OR 学生 OR 二中) AND (中毒 OR 呕吐 OR 腹痛 OR 腹泻 OR 肚子疼 OR 上吐下泻"
        " OR 送医 OR 就医 OR 就诊 OR 不适 OR 急诊 OR 打点滴) NOT 演练",
    ),
    (
        "汛情预警",
        "((暴雨 AND (预警 OR 转移 OR 积水 OR 内涝)) OR 洪水 OR 山洪 OR 汛情 OR 防汛 OR 水位"
        " OR 积水) NOT 演练",
    ),
    ("自来水传言", '自来水 AND (污染 OR 有毒 OR 不能喝 OR 辟谣 OR "谣言")'),
)

#: The scenario's platforms as the console lists them: (slug, name, category). News
#: articles go out on one site per kind of outlet (central, local, overseas media).
DEMO_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("weibo", "微博", "social"),
    ("douyin", "抖音", "social"),
    ("wechat", "微信公众号", "social"),
    ("forum", "云溪论坛", "forum"),
    *((slug, name, category) for category, (slug, name) in NEWS_SITES.items()),
)


def _demo_places() -> list[Place]:
    return [
        Place(name=name, adcode=None, level=level, province=None, city="江州市")
        for name, level in DEMO_PLACES
    ]


def demo_place_finder() -> PlaceFinder:
    """National divisions plus the fictional county's own gazetteer."""
    return PlaceFinder(extra=_demo_places())


def demo_place_names() -> frozenset[str]:
    """The places the demo's posts can be placed in beyond the national divisions."""
    return frozenset(names_around(_demo_places()))


PRELUDE = timedelta(hours=3)


def prelude(seed: int, before: datetime) -> list[Item]:
    """Ordinary chatter of the hours before the replay starts, stored at once.

    Detection judges a burst against what was usual before it; a county's desk has that
    history, so the demo gets some too and can raise the fire within stream minutes.
    """
    posts = prelude_posts(seed, PRELUDE.total_seconds() / 3600, before)
    return [
        Located(parse_post_record(post), f"demo prelude post {i}")
        for i, post in enumerate(posts, start=1)
    ]


class DemoAlreadyRunning(StorageError):
    """Another ``yuqing serve --demo`` runs on the same data folder (``data_dir``); the
    message is English (logs), the command line says it in its own language."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"a demo already runs on {data_dir} (another yuqing serve --demo): "
            "stop it first, or give this one its own YUQING_DATA_DIR"
        )
        self.data_dir = data_dir

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.data_dir,))


def prepare_demo(
    settings: Settings, *, seed: int = 7, speed: float = 60.0
) -> tuple[Context, Callable[[Workers], None]]:
    """Reset the demo database and return the context and a starter for the replay."""
    db_path = settings.data_dir / "demo.db"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    demo_url = f"sqlite:///{db_path.as_posix()}"
    # Taken before the old demo database goes: a demo already running on this folder
    # holds it, and its database must not be deleted under it.
    lease = DetectionLease(Database(demo_url))
    if not lease.acquire():
        raise DemoAlreadyRunning(settings.data_dir)
    for suffix in ("", "-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    demo_settings = settings.model_copy(update={"database_url": demo_url})
    posts = generate_scenario(seed=seed)
    items: list[Item] = [
        Located(parse_post_record(post), f"demo scenario post {i}")
        for i, post in enumerate(posts, start=1)
    ]
    # Not shifted to "now": the posts' texts name the scenario's date and times of day
    # (官方通报 "7月14日9时5分许"), and a shifted clock would contradict them.
    start_at = datetime.fromisoformat(str(posts[0]["published_at"])).astimezone(UTC)
    replayer = Replayer(items, speed, batch_window=timedelta(seconds=max(1.0, speed)))
    ctx = open_context(
        demo_settings,
        clock=replayer.clock,
        pipeline=TextPipeline(place_finder=demo_place_finder()),
    )
    ctx.lease = lease
    with ctx.db.write() as conn:
        for slug, name, category in DEMO_SOURCES:
            repo.ensure_source(
                conn, slug, now=ctx.clock.now(), name=name, kind="replay", category=category
            )
        for name, query in DEMO_MONITORS:
            repo.add_monitor(conn, name, query, ctx.clock.now(), place="云溪县")
    ctx.ingestor.ingest(prelude(seed, start_at), origin="demo prelude", source_kind="replay")

    def start(workers: Workers) -> None:
        from yuqing.runtime.demo_incidents import start_demo_incidents

        # Stream time has stood at the scenario's start while the database was reset and
        # the models loaded (so the console and the prelude read it); the scenario begins
        # now, for the console, the incident scheduler and the replay alike.
        replayer.clock.start()
        # The demo's incidents are raised by its monitors with a scripted duty desk (the
        # fire by the plan's rules, the other three reported by hand), so they play the
        # same way at every start; detection's own events are shown, not taken into the
        # plan, which would take each of its fragments of one incident in as another.
        start_demo_incidents(ctx, workers)
        replay_into(ctx, replayer.batches(), workers, origin="demo scenario")

    return ctx, start
