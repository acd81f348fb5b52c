"""Who may see and change what: accounts, sign-in, sessions, CSRF, rate limiting.

- Passwords are hashed with Argon2id (argon2-cffi); nothing secret is in config.toml.
- A session is a random token in an HttpOnly, SameSite=Strict cookie (Secure when
  `[web] base_url` is https); the database keeps only its sha256 and its expiry
  (`[web] session_hours`, from sign-in), so signing out or changing a password
  ends it at once.
- Every POST must carry the session's CSRF token (a hidden form field) — the
  synchronizer-token pattern; the sign-in form, before any session exists, uses
  a double-submit cookie.
- Failed sign-ins are counted in the database: MAX_FAILS_NAME for one account or
  MAX_FAILS_ADDRESS from one address within LOCKOUT refuse further attempts.
- Role ``leader`` reads everything and changes nothing; ``editor`` corrects.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline.errors import ConfigError
from pipeline.store import Store
from pipeline.store import accounts as db

ROLES = ("editor", "leader")
ROLE_LABELS = {"editor": "编辑", "leader": "只读（领导）"}
SESSION_COOKIE = "mailroll_session"
LOGIN_COOKIE = "mailroll_login"
LOCKOUT = timedelta(minutes=15)
MAX_FAILS_NAME = 5
MAX_FAILS_ADDRESS = 20
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# compared against when the account does not exist, so timing does not tell
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str

    @property
    def can_edit(self) -> bool:
        return self.role == "editor"


def add_user(store: Store, name: str, password: str, role: str = "editor") -> bool:
    """Create (or reset the password and role of) an account; True if new."""
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ConfigError(f"account name {name!r}: 1-64 characters, no spaces")
    if role not in ROLES:
        raise ConfigError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password must have at least {MIN_PASSWORD} characters")
    return db.save_user(store, name, _hasher.hash(password), role)


def sign_in(
    store: Store, name: str, password: str, address: str, hours: float
) -> tuple[str | None, str]:
    """Check a sign-in; return (session token, "") or (None, the reason in Chinese).
    Every attempt is recorded; too many failures refuse even a right password."""
    now = datetime.now(UTC)
    by_name, by_address = db.failed_logins(store, now - LOCKOUT, name, address)
    if by_name >= MAX_FAILS_NAME or by_address >= MAX_FAILS_ADDRESS:
        return None, "登录失败次数过多，请 15 分钟后再试"
    account = db.user(store, name)
    ok = _verify(account["password_hash"] if account else _DUMMY_HASH, password)
    db.record_login(store, name, address, ok and account is not None)
    if not ok or account is None:
        return None, "用户名或密码不正确"
    token = secrets.token_urlsafe(32)
    db.save_session(
        store, _digest(token), name, secrets.token_urlsafe(32), now + timedelta(hours=hours)
    )
    db.prune_logins(store, timedelta(days=30), now)
    return token, ""


def session_of(store: Store, token: str | None) -> Session | None:
    if not token:
        return None
    row = db.session(store, _digest(token))
    return Session(row["user"], row["role"], row["csrf"]) if row else None


def sign_out(store: Store, token: str | None) -> None:
    if token:
        db.end_session(store, _digest(token))


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token; a missing one never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
