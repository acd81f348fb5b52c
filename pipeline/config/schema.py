"""The schema of config.toml, checked (pydantic) before anything is read from it.

Every table and key mailroll knows is declared here, with its type and a sane
range: an unknown key or table (a misspelling such as `pol_minutes` or
`[storag]`) is an error naming the file, the line and the nearest known key,
instead of being silently ignored; numbers must be finite (no inf, nan, 1e400)
and within bounds. The loaders in this package then turn the checked values
into frozen dataclasses (their own checks cover what depends on several keys).

A section another part of mailroll adds goes here too, or `mailroll check`
refuses it as unknown.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError

# numbers: finite, within a range an office server can honour
Minutes = Annotated[float, Field(gt=0, le=24 * 60, allow_inf_nan=False)]
Seconds = Annotated[float, Field(gt=0, le=24 * 3600, allow_inf_nan=False)]
Delay = Annotated[float, Field(ge=0, le=3600, allow_inf_nan=False)]
Megabytes = Annotated[float, Field(gt=0, le=100 * 1024, allow_inf_nan=False)]
Days = Annotated[int, Field(ge=0, le=366)]
Port = Annotated[int, Field(ge=1, le=65535)]


class Table(BaseModel):
    """A table of config.toml: unknown keys are errors, types are exact."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Mailbox(Table):
    source: Literal["maildir", "imap"] = "maildir"
    path: str | None = None
    auth_results_from: list[str] | None = None  # authserv-ids trusted (issue 14)


class After(Table):
    action: Literal["none", "seen", "flag", "move"] = "none"
    target: str | None = None


class Folder(Table):
    name: str
    after: After | None = None


class Imap(Table):
    name: str | None = None
    host: str
    port: Port | None = None
    security: Literal["tls", "starttls", "plain"] = "tls"
    user: str
    password_env: str | None = None
    password_file: str | None = None
    password: Any = None  # refused by the loader with its own message: never the password
    folders: list[str | Folder] | None = None
    after: After | None = None
    ca_file: str | None = None
    timeout: Seconds | None = None
    batch_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    retries: Annotated[int, Field(ge=0, le=100)] | None = None
    retry_delay: Delay | None = None


class Storage(Table):
    database: str | None = None
    archive: str | None = None
    # owner and group only: archived mail is personal data, never for everyone
    mode: Annotated[str, Field(pattern=r"^0?[0-7][0-7]0$")] | None = None


class Campaign(Table):
    id: str | None = None
    name: str
    title: str | None = None
    start: date
    end: date
    deadline: datetime | date
    timezone: str | None = None
    categories: list[str] | None = None
    early_days: Days | None = None
    late_days: Days | None = None


class Rules(Table):
    dir: str | None = None


class Report(Table):
    dir: str | None = None
    title: str | None = None
    links: Literal["relative", "none"] | None = None
    font: str | None = None


class Limits(Table):
    max_attachment_mb: Megabytes | None = None
    max_message_mb: Megabytes | None = None
    max_mail_mb: Megabytes | None = None  # a whole mail, before it is parsed (issue 14)
    extract_timeout_s: Seconds | None = None
    extract_memory_mb: Annotated[int, Field(ge=256, le=1024 * 1024)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=100)] | None = None


class Smtp(Table):
    host: str
    port: Port | None = None
    security: Literal["ssl", "starttls", "plain"] | None = None
    from_: str = Field(alias="from")
    from_name: str | None = None
    username: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    password: Any = None
    timeout: Seconds | None = None
    ca_file: str | None = None


class Send(Table):
    report: bool | None = None
    report_to: list[str] | None = None
    reminders: bool | None = None
    reminder_days: list[Days] | None = None
    receipts: bool | None = None
    receipt_max_age_days: Days | None = None
    templates: str | None = None
    report_summary: bool | None = None  # the district summary draft with the weekly mail (18)
    pause_seconds: Delay | None = None  # pacing for QQ Mail / NetEase (issue 16)
    per_minute: Annotated[int, Field(ge=1, le=10000)] | None = None
    busy_wait_seconds: Delay | None = None
    busy_give_up_minutes: Annotated[float, Field(ge=0, le=24 * 60, allow_inf_nan=False)] | None = (
        None
    )


class Notify(Table):
    """One [[notify]] group bot (企业微信, 钉钉, 飞书)."""

    name: str | None = None
    provider: Literal["wecom", "dingtalk", "feishu"] | None = None
    url: str
    secret_env: str | None = None
    secret_file: str | None = None
    secret: Any = None  # refused by the loader with its own message: never the secret
    events: list[str] | None = None
    overdue_polls: Annotated[int, Field(ge=1, le=1000)] | None = None
    timeout: Seconds | None = None


class Service(Table):
    poll_minutes: Minutes | None = None
    weekly_report: str | None = None
    reminders: str | None = None
    lock: str | None = None
    log_file: str | None = None
    log_max_mb: Megabytes | None = None
    log_backups: Annotated[int, Field(ge=0, le=1000)] | None = None


class Web(Table):
    listen: str | None = None
    base_url: str | None = None
    session_hours: Annotated[float, Field(gt=0, le=24 * 366, allow_inf_nan=False)] | None = None
    proxy_hops: Annotated[int, Field(ge=0, le=10)] | None = None
    with_service: bool | None = None


class Ocr(Table):
    """[ocr]: scans read by OCR in the service's own worker (issue 19)."""

    # lower bounds are the loader's (config/__init__.py _ocr), with their own fix
    enabled: bool | None = None
    max_pages: Annotated[int, Field(le=1000)] | None = None
    seconds_per_page: Annotated[float, Field(le=3600, allow_inf_nan=False)] | None = None
    memory_mb: Annotated[int, Field(le=1024 * 1024)] | None = None


class ConfigFile(Table):
    mailbox: Mailbox | None = None
    imap: list[Imap] | None = None
    storage: Storage | None = None
    campaign: Campaign | None = None
    campaigns: list[Campaign] | None = None
    rules: Rules | None = None
    report: Report | None = None
    limits: Limits | None = None
    smtp: Smtp | None = None
    send: Send | None = None
    service: Service | None = None
    web: Web | None = None
    notify: list[Notify] | None = None
    ocr: Ocr | None = None


# the fix, for keys where a bare "expected int" would not say it
HINTS = {
    "reminder_days": "must be a list of whole days, e.g. [3, 1]",
    "report_to": 'must be a list of mail addresses, e.g. ["leader@example.com"]',
    "folders": 'expected a list of folder names or {name = "...", after = {...}}',
    "auth_results_from": 'must be a list of server names, e.g. ["mx.qq.com"]',
    "categories": 'must be a list of category ids, e.g. ["green_commute", "publicity"]',
}


def check(model: type[BaseModel], data: dict[str, Any], path: Path, text: str) -> None:
    """Validate a parsed TOML file; raise one ConfigError with file, line and fix."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise _error(model, exc.errors()[0], path, text) from None


def _error(model: type[BaseModel], err: Any, path: Path, text: str) -> ConfigError:
    loc = tuple(p for p in err["loc"] if not _is_union_branch(p))
    keys = [p for p in loc if isinstance(p, str)]
    where = _header(loc[:-1])
    line = locate(text, loc)
    place = f"{path}, line {line}" if line else str(path)
    if err["type"] == "extra_forbidden":
        known = _known(model, loc[:-1])
        near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}?" if near else f"; known keys: {', '.join(known)}"
        kind = "table" if isinstance(err["input"], dict) else "key"
        return ConfigError(f"unknown {kind} {loc[-1]} in {where}{hint}", place)
    dotted = ".".join(str(p) for p in (_table_name(loc[:-1]), keys[-1] if keys else "") if p)
    hint = next((HINTS[k] for k in reversed(keys) if k in HINTS), None)
    if hint and err["type"] != "missing":
        return ConfigError(f"{_table_name(loc)}: {hint}, got {err.get('input')!r}", place)
    got = "" if err["type"] == "missing" else f", got {err.get('input')!r}"
    return ConfigError(
        f"{dotted}: {_plain(err)}{got}; see the commented example config.toml", place
    )


def _plain(err: Any) -> str:
    """pydantic's reason in the words of config.toml."""
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()))
        bound = int(bound) if float(bound).is_integer() else bound  # 1440, not 1440.0
        words = {"greater_than": "more than {}", "greater_than_equal": "{} or more",
                 "less_than": "less than {}", "less_than_equal": "{} or less"}  # fmt: skip
        return "must be " + words[kind].format(bound)
    if kind == "missing":
        return "missing"
    if kind == "literal_error":
        return "use one of " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    if kind == "string_pattern_mismatch":
        return 'expected a mode such as "0640" (owner and group; never world bits)'
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"expected {kind.split('_')[0].replace('string', 'str')}"
    return str(err["msg"]).lower()


def _is_union_branch(part: Any) -> bool:
    # pydantic names the branch of a union it tried (`float`, `constrained-float`, `Folder`)
    return isinstance(part, str) and (
        part in ("str", "int", "float", "bool", "date", "datetime", "list[...]", "Folder", "After")
        or part.startswith(("constrained-", "function-", "list[", "nullable["))
    )


def _header(loc: tuple[Any, ...]) -> str:
    """How the table at `loc` is written in the file: [service], the 2nd [[unit]]."""
    if not loc:
        return "the top level"
    names = [p for p in loc if isinstance(p, str)]
    if len(loc) > 1 and isinstance(loc[1], int):
        inner = "".join(f".{p}" for p in names[1:])
        return f"the {_ordinal(loc[1] + 1)} [[{loc[0]}]]" + (f" ({inner[1:]})" if inner else "")
    return f"[{'.'.join(names)}]"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _table_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name if name else "the top level"


def _known(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys a table at `loc` may have."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        current = _model_in(field.annotation) if field else None
        if current is None:
            return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r'^\s*"?([^"=\s]+)"?\s*=')


def locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of config text where the key (or table) at `loc` is written."""
    tables = [p for p in loc if isinstance(p, str)]
    counts: dict[str, int] = {}
    current: tuple[str, int] = ("", 0)
    best = None
    for number, line in enumerate(text.splitlines(), start=1):
        head = _HEADER.match(line)
        if head:
            name = head.group(2)
            counts[name] = counts.get(name, 0) + 1
            current = (name, counts[name] - 1)
            if _wanted_table(current, loc):
                best = best or number
            continue
        key = _KEY.match(line)
        if key and key.group(1) in tables[-1:] and _wanted_table(current, loc[:-1]):
            return number
        if key and not current[0] and len(tables) == 1 and key.group(1) == tables[0]:
            return number
    return best


def _wanted_table(current: tuple[str, int], loc: tuple[Any, ...]) -> bool:
    if not loc or not isinstance(loc[0], str):
        return current[0] == "" and not loc
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
    return current == (loc[0], index)
