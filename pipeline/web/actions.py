"""The corrections, each a POST from a form (session, CSRF token and an editor's
account already checked in pipeline.web). Each one is recorded with who, when,
the old and new value and the note (pipeline.store.corrections); undoing one is
one more POST. Nothing here touches rules/."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, request

from pipeline.models import FIGURE_KEYS
from pipeline.process import Rulebook
from pipeline.store import corrections as fixes_db
from pipeline.store.corrections import Correction
from pipeline.web.pages import SHA

actions = Blueprint("actions", __name__)
MAX_NOTE = 500
MAX_FIGURE = 10_000_000


def _book() -> Rulebook:
    return current_app.config["RULES"].get()  # type: ignore[no-any-return]


def _save(fix: Correction, remember: tuple[str, str] | None = None) -> None:
    fixes_db.save_correction(g.store, fix, g.session.user, remember)


def _back(default: str) -> Response:
    target = request.form.get("next", "")
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return redirect(target if ok else default, code=303)


def _note() -> str:
    return request.form.get("note", "").strip()[:MAX_NOTE]


def _mail(sha: str) -> dict[str, object]:
    if not SHA.fullmatch(sha):
        abort(404)
    row = fixes_db.mail_row(g.store, sha)
    if row is None or row.get("sender") is None:
        abort(404)
    return row


@actions.post("/mail/<sha>/unit")
def assign_unit(sha: str) -> Response:
    """Credit a mail to a roster unit ('' = back to 待确认); optionally remember the
    sender address for that unit."""
    mail = _mail(sha)
    unit_id = request.form.get("unit_id", "")
    if unit_id and _book().roster.get(unit_id) is None:
        abort(400)
    remember = None
    if unit_id and request.form.get("remember") == "1":
        remember = (str(mail["sender"]), unit_id)
    old = mail["unit_id"] or ""
    _save(
        Correction("unit", sha, key="unit", old_value=str(old), new_value=unit_id, note=_note()),
        remember,
    )
    return _back(f"/mail/{sha}")


def _ordinal(sha: str) -> int | None:
    """The document the form names, if the mail has it."""
    ordinal = request.form.get("ordinal", type=int)
    known = {d["ordinal"] for d in fixes_db.mail_documents(g.store, sha)}
    return ordinal if ordinal in known else None


@actions.post("/mail/<sha>/category")
def set_category(sha: str) -> Response:
    _mail(sha)
    ordinal = _ordinal(sha)
    category = request.form.get("category", "")
    value = request.form.get("value", "")
    if (
        ordinal is None
        or value not in ("0", "1")
        or category not in {c.id for c in _book().rules.categories}
    ):
        abort(400)
    old = "1" if value == "0" else "0"
    _save(Correction("category", sha, ordinal, category, old, value, _note()))
    return _back(f"/mail/{sha}")


@actions.post("/mail/<sha>/figure")
def set_figure(sha: str) -> Response:
    _mail(sha)
    ordinal = _ordinal(sha)
    key = request.form.get("key", "")
    value = request.form.get("value", "").strip()
    if ordinal is None or key not in FIGURE_KEYS:
        abort(400)
    if value and (not value.isdigit() or int(value) > MAX_FIGURE):
        abort(400)
    old = request.form.get("old", "")[:20]
    _save(Correction("figure", sha, ordinal, key, old, str(int(value)) if value else "", _note()))
    return _back(f"/mail/{sha}")


@actions.post("/mail/<sha>/report")
def mark_report(sha: str) -> Response:
    _mail(sha)
    value = request.form.get("value", "")
    if value not in ("0", "1"):
        abort(400)
    _save(Correction("report", sha, key="report", old_value="", new_value=value, note=_note()))
    return _back(f"/mail/{sha}")


@actions.post("/problem/handled")
def problem_handled() -> Response:
    sha = request.form.get("sha256", "") or None
    key = request.form.get("key", "")
    if not key or (sha is not None and not SHA.fullmatch(sha)):
        abort(400)
    _save(Correction("handled", sha, key=key[:2000], new_value="1", note=_note()))
    return _back("/queue")


@actions.post("/sender/ignore")
def ignore_sender() -> Response:
    address = request.form.get("address", "").strip().lower()
    if not address or "@" not in address or len(address) > 320:
        abort(400)
    _save(Correction("ignore_sender", None, key=address, new_value="1", note=_note()))
    return _back("/senders")


@actions.post("/sender/forget")
def forget_sender() -> Response:
    if not fixes_db.forget_sender(g.store, request.form.get("address", ""), g.session.user):
        abort(404)
    return _back("/senders")


@actions.post("/correction/<int:fix_id>/undo")
def undo(fix_id: int) -> Response:
    fix = fixes_db.correction(g.store, fix_id)
    if fix is None:
        abort(404)
    fixes_db.undo_correction(g.store, fix_id, g.session.user)
    return _back(f"/mail/{fix['sha256']}" if fix["sha256"] else "/log")
