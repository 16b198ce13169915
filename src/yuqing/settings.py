"""The only place configuration is read: environment ``YUQING_*`` and ``yuqing.toml``.

Precedence, highest first: explicit arguments, environment variables, the TOML file
(``YUQING_CONFIG`` or ``./yuqing.toml``), defaults. Secrets are never printed whole:
``Settings.public_view`` masks them for ``yuqing config show``. A key of the file that is
no setting is refused; a ``YUQING_*`` variable that is none is warned of (``load_settings``).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from yuqing.core.reasons import Reason
from yuqing.core.validation import toml_position, toml_reason, value_reason
from yuqing.errors import ConfigError

log = logging.getLogger("yuqing.settings")

PREFIX = "YUQING_"
# Variables with the prefix that yuqing reads outside ``Settings``: not typos.
OTHER_VARIABLES = frozenset(
    {
        "YUQING_CONFIG",  # the settings file (this module)
        "YUQING_LANG",  # the command line's language (yuqing.cli.language)
        "YUQING_TEST_PG_URL",  # the test suite's PostgreSQL server (tests/conftest.py)
    }
)
# Known, but no setting a deployment means when it mistypes one.
_NOT_SUGGESTED = frozenset({"YUQING_TEST_PG_URL"})
# A variable's name is the environment's, not ours: shown bounded.
_NAME_LIMIT = 100


def _config_file() -> Path:
    return Path(os.environ.get("YUQING_CONFIG", "yuqing.toml"))


class Settings(BaseSettings):
    """Deployment settings."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid")

    data_dir: Path = Field(Path("var"), description="where the SQLite database and secrets live")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite at <data_dir>/yuqing.db"
    )
    secret: SecretStr | None = Field(
        None,
        description="key for pseudonyms (HMAC); generated once into <data_dir>/secret if unset",
    )
    push_token: SecretStr | None = Field(
        None, description="bearer token required by POST /api/v1/posts"
    )
    retention_days: int = Field(
        90, ge=1, le=36_500, description="raw posts older than this are purged"
    )
    dedup_window_hours: float = Field(
        72.0, gt=0, description="how long a story stays open for near-duplicates"
    )
    keep_author_names: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="account names never pseudonymised (organisations, verified accounts)",
    )
    home_places: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "the jurisdiction's own place names (and the enclosing ones not to count as "
            "elsewhere), e.g. 云溪县,江州市: grading counts the other places an event names"
        ),
    )
    plan_file: Path | None = Field(
        None, description="the emergency plan (TOML); default: the plan shipped with yuqing"
    )
    roster_file: Path | None = Field(None, description="duty roster and directory (TOML)")
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="how people reach this server (acknowledge links)"
    )
    notify: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="notification channels by slug, e.g. [notify.email] host = ...",
    )
    display_timezone: str = Field(
        "Asia/Shanghai",
        description="time zone in which times are shown to people, and in which imported "
        "or pushed times without a zone are read",
    )
    detection: bool = Field(
        True, description="run sentiment, kind, severity cues and event detection on ingest"
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    feed_poll_minutes: float = Field(10.0, gt=0)
    # The feed reader's limits (sources/rss.py has the same defaults; it does not read
    # settings itself, the poller hands them over).
    feed_max_entries: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        description=(
            "entries read from one feed at one poll; the rest are left out, and the feed's "
            "health record says how many"
        ),
    )
    feed_inline_parse_bytes: int = Field(
        1024 * 1024,
        ge=0,
        le=10 * 1024 * 1024,
        description=(
            "a feed body up to this many bytes is read in the poller's own thread; a larger "
            "one by a separate process, stopped after feed_parse_timeout seconds"
        ),
    )
    feed_parse_timeout: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="seconds a separate process may take to read a large feed body",
    )
    batch_size: int = Field(2000, ge=1, le=50_000)
    max_push_bytes: int = Field(10_000_000, ge=1024)

    @field_validator(
        "retention_days",
        "port",
        "batch_size",
        "max_push_bytes",
        "feed_max_entries",
        "feed_inline_parse_bytes",
        mode="before",
    )
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # Lax validation reads true as 1: a retention of one day would purge real posts.
        if isinstance(value, bool):
            raise ValueError(Reason("expected a whole number, not true/false", "setting.not_whole"))
        return value

    @field_validator("feed_parse_timeout", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        # Lax validation reads true as 1.0 (seconds).
        if isinstance(value, bool):
            raise ValueError(
                Reason("expected a number of seconds, not true/false", "setting.not_seconds")
            )
        return value

    @field_validator("detection", mode="before")
    @classmethod
    def _a_switch(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(Reason("expected true or false", "setting.not_switch"))
        return value

    @property
    def display_zone(self) -> ZoneInfo:
        """The zone in which times are shown to people (``display_timezone``)."""
        return ZoneInfo(self.display_timezone)

    @field_validator("display_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                Reason(f"unknown time zone {value!r}", "setting.unknown_zone", {"value": value})
            ) from None
        return value

    @field_validator("keep_author_names", "home_places", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'yuqing.db').as_posix()}"

    def pseudonym_key(self) -> bytes:
        """The HMAC key for pseudonyms: configured, or generated once and kept on disk."""
        if self.secret is not None:
            return self.secret.get_secret_value().encode("utf-8")
        path = self.data_dir / "secret"
        if path.exists():
            return path.read_text(encoding="utf-8").strip().encode("utf-8")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        # Written whole to a file of its own, then linked into place: a process starting
        # at the same moment either finds no key or the whole key, never an empty file
        # (created and not yet written). Readable by the owner only: whoever holds it can
        # recompute pseudonyms.
        fd, partial = tempfile.mkstemp(dir=self.data_dir, prefix=".secret.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
            try:
                os.link(partial, path)
            except FileExistsError:  # another process was first: its key is the key
                return path.read_text(encoding="utf-8").strip().encode("utf-8")
        finally:
            os.unlink(partial)
        return key.encode("utf-8")

    def public_view(self) -> dict[str, Any]:
        """Every setting, secrets masked, for display."""
        view: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                view[name] = "********"
            elif name == "notify":
                view[name] = _masked(value)
            elif name == "database_url" and value:
                view[name] = mask_url_password(value)
            elif name == "public_base_url":
                # https://user:pass@host/ or ?token=... would be shown as given.
                view[name] = _masked(value)
            elif isinstance(value, Path):
                view[name] = str(value)
            else:
                view[name] = value
        view["effective_database_url"] = mask_url_password(self.effective_database_url)
        return view


# Keys whose values are secrets wherever they appear in a channel's settings. "pass"
# and "pwd" catch passwd and api_pass; "auth" and "credential" the gateways' other words.
_SECRET_KEYS = (
    "password",
    "pass",
    "pwd",
    "secret",
    "token",
    "auth",
    "credential",
    "cookie",
    "key",
    "signature",
    # A robot's webhook address carries its token in the path (.../hook/<token>).
    "hook",
)
MASK = "********"
# A value that carries its own scheme of credentials, whatever its key is called.
_CREDENTIAL_VALUE = re.compile(r"^\s*(bearer|basic|token|digest|appcode)\s+\S", re.IGNORECASE)


def _secret_key(key: object) -> bool:
    return any(word in str(key).lower() for word in _SECRET_KEYS)


def _masked(value: Any, *, under_secret: bool = False) -> Any:
    """``value`` with every secret-looking entry of nested mappings masked, and the
    passwords and secret-looking query values of URLs (a gateway's ``?apikey=``, a
    robot's ``?access_token=``) masked wherever they appear.

    A table or list under a secret-looking key is shown, not masked whole: the key may
    only name a kind of thing (``[notify.webhook]`` holds a timeout, and "webhook"
    holds "hook"). Its text is masked all the same (``under_secret``), at any depth: a
    plugin's ``[notify.slackhook] url = ...`` carries its token in the path, where no
    key or query name gives it away. Numbers and booleans under it are shown: a timeout
    or a rate limit is no secret.
    """
    if isinstance(value, dict):
        return {k: _masked_entry(k, v, under_secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, under_secret=under_secret) for v in value]
    if under_secret and value not in (None, "") and not isinstance(value, bool | int | float):
        return MASK
    if isinstance(value, str):
        if _CREDENTIAL_VALUE.match(value):
            return MASK
        if "://" in value:
            return _masked_web_url(value)
    return value


def _masked_entry(key: object, value: Any, under_secret: bool) -> Any:
    """One entry of a table: a value under a secret-looking key masked whole, whatever
    its type, unless it is a table or holds tables (shown, their text masked)."""
    secret_key = _secret_key(key)
    if isinstance(value, dict):
        return _masked(value, under_secret=under_secret or secret_key)
    if secret_key and value not in (None, "", []):
        if isinstance(value, list) and any(isinstance(v, dict) for v in value):
            return _masked(value, under_secret=True)
        return MASK
    return _masked(value, under_secret=under_secret)


def _masked_web_url(url: str) -> str:
    """An http(s)-style URL with its password and secret-looking query values masked."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            user = parts.username or ""
            host = netloc.rpartition("@")[2]
            netloc = f"{user}:{MASK}@{host}"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(_secret_key(k) for k, _ in pairs):
            query = urlencode([(k, MASK if _secret_key(k) else v) for k, v in pairs], safe="*")
        else:
            query = parts.query
        fragment = MASK if _secret_key(parts.fragment.partition("=")[0]) else parts.fragment
        return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
    except ValueError:
        return "<unparsable url>"


def mask_url_password(url: str) -> str:
    """The URL for display: its password, and any secret-looking query value, masked."""
    from sqlalchemy.engine import make_url

    # The password ends at the last @ before the path: SQLAlchemy reads "u:p@ss@h" as the
    # password "p" on the host "ss@h", and showed the rest of the password as a host.
    scheme, sep, rest = url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    if sep and "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        url = f"{scheme}://{user}{':***' if colon else ''}@{host}{rest[len(authority) :]}"
    try:
        parsed = make_url(url)
        query = {k: (MASK if _secret_key(k) else v) for k, v in parsed.query.items()}
        shown = parsed.set(query=query).render_as_string(hide_password=True)
        # Readable as a mask, not as %2A%2A...
        return shown.replace("%2A" * len(MASK), MASK)
    except Exception:
        return "<unparsable url>"


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation problems into a ``ConfigError`` naming each key."""
    import tomllib

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    _warn_of_unknown_variables()
    chosen = os.environ.get("YUQING_CONFIG")
    if chosen is not None and not Path(chosen).is_file():
        # Named on purpose: running on defaults instead would go unnoticed.
        what = "a folder, not a file" if Path(chosen).is_dir() else "no such file"
        code = "config.chosen_folder" if Path(chosen).is_dir() else "config.chosen_missing"
        raise ConfigError(Reason(f"YUQING_CONFIG={chosen}: {what}", code, {"file": chosen}))
    if chosen is None and _config_file().exists() and not _config_file().is_file():
        # Skipped silently before: the deployment ran on defaults.
        shown = str(_config_file().absolute())
        raise ConfigError(
            Reason(f"{shown}: a folder, not a settings file", "config.folder", {"file": shown})
        )
    try:
        return Settings(**overrides)
    except SettingsError as exc:
        # pydantic-settings says 'error parsing value for field "notify" from source
        # "EnvSettingsSource"': the variable and what is wrong with it say more.
        field = re.search(r'field "(\w+)"', str(exc))
        cause = f": {exc.__cause__}" if exc.__cause__ is not None else ""
        if field is None:
            raise ConfigError(f"invalid configuration: {exc}") from None
        where = setting_origins(overrides).get(field[1], "the configuration")
        params = {"key": field[1], "where": where, "detail": str(exc.__cause__ or "")}
        raise ConfigError(
            Reason(f"{field[1]}: not valid JSON{cause} (from {where})", "config.not_json", params)
            if where.startswith("environment")
            else Reason(
                f"{field[1]}: cannot be read{cause} (from {where})", "config.unreadable", params
            )
        ) from None
    except tomllib.TOMLDecodeError as exc:
        file = str(_config_file())
        # The command line says tomllib's English in Chinese from its kind (``detail``,
        # coded ``toml.*``) and position; the English here stays tomllib's own.
        what, line, column = toml_position(str(exc))
        named: dict[str, Any] = {"file": file, "detail": toml_reason(what)}
        if line is not None:
            named.update(line=line, column=column)
        code = "config.toml" if line is None else "config.toml_at"
        raise ConfigError(Reason(f"{file}: not valid TOML ({exc})", code, named)) from None
    except UnicodeDecodeError as exc:
        file = str(_config_file())
        raise ConfigError(
            Reason(
                f"{file}: not UTF-8 (byte {exc.start})",
                "config.not_utf8",
                {"file": file, "byte": exc.start},
            )
        ) from None
    except OSError as exc:  # unreadable: permissions, a broken disk
        file = str(_config_file())
        raise ConfigError(
            Reason(
                f"{file}: cannot be read ({exc.strerror or exc})",
                "config.file_unreadable",
                {"file": file, "detail": str(exc.strerror or exc)},
            )
        ) from None
    except ValidationError as exc:
        origins = setting_origins(overrides)
        problems: list[SettingProblem] = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            top = str(err["loc"][0]) if err["loc"] else ""
            # Only a TOML file brings keys that are not settings (the environment's are
            # read by name).
            where = origins.get(top, str(_config_file()))
            if err["type"] == "extra_forbidden":
                message = Reason(
                    "not a setting of yuqing (yuqing config show lists them)", "setting.unknown"
                )
            else:
                # The value itself is not repeated: it may be a secret.
                message = value_reason(err)
            problems.append(SettingProblem(key, message, where))
        raise InvalidSettings(problems) from None


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One setting refused: its ``key``, why (a ``Reason``: pydantic's, coded
    ``value.<type>``, or a validator's ``setting.*``) and where its value came from
    (``setting_origins``' words: ``environment YUQING_X``, a file's path ...)."""

    key: str
    reason: Reason
    where: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason} (from {self.where})"


class InvalidSettings(ConfigError):
    """Settings that do not pass their checks; ``problems`` names each, to be said in any
    language (``str()`` is the English, as logged)."""

    def __init__(self, problems: list[SettingProblem]) -> None:
        self.problems = problems
        super().__init__(f"invalid configuration: {'; '.join(str(p) for p in problems)}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems,))


@dataclass(frozen=True, slots=True)
class UnknownVariable:
    """A ``YUQING_*`` environment variable yuqing does not read, as a stable ``code``
    (``setting.unknown``, ``setting.nested``) and what it names: its shown ``name``, the
    setting it was likely meant to be (``guess``), or for a nested one the variable to
    set (``head``). ``str()`` is the English warning (logs); the command line says it
    in its own language."""

    code: str
    name: str
    guess: str | None = None
    head: str | None = None

    def __str__(self) -> str:
        if self.code == "setting.nested":
            return (
                f"{self.name}: no such setting; nested settings are not read from the "
                f"environment: set {self.head} to the whole value (JSON for a table), or put "
                "it in the settings file"
            )
        hint = f"; did you mean {self.guess}?" if self.guess else ""
        return f"{self.name}: no such setting{hint}"


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each ``YUQING_*`` environment variable that yuqing does not read.

    A mistyped name (``YUQING_DATABSE_URL``) is otherwise ignored without a word, and the
    deployment runs on the default it meant to change. Not a refusal: other tools may
    share the prefix. The names are matched in any case, as pydantic-settings reads them;
    values are never shown (they may be secrets).
    """
    return [str(problem) for problem in unknown_variable_problems(environ)]


def unknown_variable_problems(environ: Mapping[str, str] | None = None) -> list[UnknownVariable]:
    """``unknown_variables``, each with its code and names (to be said in any language)."""
    env = os.environ if environ is None else environ
    of_settings = {f"{PREFIX}{name}".upper() for name in Settings.model_fields}
    known = of_settings | OTHER_VARIABLES
    suggested = sorted(known - _NOT_SUGGESTED)
    problems = []
    for name in sorted(env):
        wanted = name.upper()
        if not wanted.startswith(PREFIX) or wanted in known:
            continue
        shown = _shown_variable(name)
        head = wanted.partition("__")[0]
        if "__" in wanted and head in of_settings:
            # pydantic-settings would read YUQING_NOTIFY__EMAIL__HOST only with an
            # env_nested_delimiter, which Settings does not set.
            problems.append(UnknownVariable("setting.nested", shown, head=head))
            continue
        close = difflib.get_close_matches(
            wanted.removeprefix(PREFIX), [s.removeprefix(PREFIX) for s in suggested], n=1
        )
        guess = f"{PREFIX}{close[0]}" if close else None
        problems.append(UnknownVariable("setting.unknown", shown, guess=guess))
    return problems


def _shown_variable(name: str) -> str:
    """A variable's name for a message: escaped when it holds what a terminal obeys."""
    shown = name if name.isprintable() else ascii(name)
    return shown if len(shown) <= _NAME_LIMIT else shown[: _NAME_LIMIT - 1] + "…"


# Each warning is logged once per process: commands load the settings more than once.
_warned: set[str] = set()


def _warn_of_unknown_variables() -> None:
    for warning in unknown_variables():
        if warning not in _warned:
            _warned.add(warning)
            log.warning(warning)


def take_unknown_variables() -> list[UnknownVariable]:
    """The unknown variables not yet warned of in this process, now counted as warned.

    The command line says them itself, in its language, before it loads the settings:
    the English log line would otherwise follow (or replace) its own.
    """
    taken = [p for p in unknown_variable_problems() if str(p) not in _warned]
    _warned.update(str(p) for p in taken)
    return taken


def _env_name(field: str) -> str | None:
    """The environment variable that sets ``field``, when one is set (any case, as
    pydantic-settings reads them)."""
    wanted = f"YUQING_{field}".upper()
    return next((name for name in os.environ if name.upper() == wanted), None)


def _file_keys() -> set[str]:
    """The top-level keys of the settings file; empty when there is none or it does not
    parse (loading the settings says why)."""
    import tomllib

    path = _config_file()
    try:
        with path.open("rb") as handle:
            return set(tomllib.load(handle))
    except (OSError, ValueError):
        return set()


def setting_origins(overrides: dict[str, Any] | None = None) -> dict[str, str]:
    """Where each setting comes from, by the precedence ``Settings`` applies: given by the
    program, an environment variable, the settings file, or the default."""
    file_keys = _file_keys()
    origins: dict[str, str] = {}
    for name in Settings.model_fields:
        env = _env_name(name)
        if overrides and name in overrides:
            origins[name] = "given by the command"
        elif env is not None:
            origins[name] = f"environment {env}"
        elif name in file_keys:
            origins[name] = str(_config_file().absolute())
        else:
            origins[name] = "default"
    for name in file_keys - set(origins):
        origins[name] = str(_config_file().absolute())
    return origins
