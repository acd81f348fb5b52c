"""Typed access to the tables of config.toml, with errors that name the file and key.

Shared by the modules that read one part of the configuration each
(pipeline.config, pipeline.config.mail, pipeline.config.imap).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

# what a Chinese input method types in place of TOML's ASCII punctuation
_FULL_WIDTH = {"，": ",", "＝": "=", "“": '"', "”": '"', "：": ":", "［": "[", "］": "]",
               "｛": "{", "｝": "}", "＃": "#", "‘": "'", "’": "'"}  # fmt: skip


def read_toml(text: str, path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file and line, and says which
    full-width character (typed with a Chinese input method) to replace."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        number = int(found.group(1)) if found else 0
        lines = text.splitlines()
        line = lines[number - 1] if 0 < number <= len(lines) else ""
        wide = [ch for ch in _FULL_WIDTH if ch in line.split("#")[0]]
        if wide:
            fix = (
                f"line {number} has the full-width {' '.join(wide)}: type "
                f"{' '.join(_FULL_WIDTH[ch] for ch in wide)} instead (switch the input method "
                "to English punctuation)"
            )
        else:
            fix = "compare with the commented examples at the top of the file"
        raise ConfigError(f"invalid TOML: {exc}; {fix}", str(path)) from None


class Section:
    """Typed access to one table of the config, with errors that name the key."""

    def __init__(self, path: Path, name: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"[{name}] must be a table", str(path))
        self.path, self.name, self.data = path, name, data

    def _fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.name}.{key}: {what}", str(self.path))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "missing; see the commented example config.toml")
            return default
        value = self.data[key]
        if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self._fail(key, f"expected {names}, got {value!r}")
        return value

    def path_(self, key: str, default: str | None = None) -> Path:
        raw = Path(self.get(key, str, default) if default is not None else self.get(key, str))
        return raw if raw.is_absolute() else (self.path.parent / raw).resolve()


def days(sec: Section, key: str, default: int) -> int:
    value = sec.get(key, int, default)
    if value < 0:
        raise sec._fail(key, "must be 0 or more")
    return value


def choice(sec: Section, key: str, choices: tuple[str, ...], default: str) -> str:
    value = sec.get(key, str, default)
    if value not in choices:
        raise sec._fail(key, f"use one of {', '.join(choices)}; got {value!r}")
    return value
