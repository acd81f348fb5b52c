"""The pages (GET) and signing in and out."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
)

from pipeline.config import Config
from pipeline.extract import detect_type
from pipeline.models import CATEGORY_IDS, FIGURE_KEYS
from pipeline.process import Rulebook
from pipeline.rollup.data import roster_order
from pipeline.rollup.mailsheets import FIGURE_LABELS
from pipeline.store import corrections as fixes_db
from pipeline.store.accounts import users
from pipeline.web import auth, views

pages = Blueprint("pages", __name__)
SHA = re.compile(r"[0-9a-f]{64}")
INLINE = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


def _config() -> Config:
    return current_app.config["MAILROLL"]  # type: ignore[no-any-return]


def _book() -> Rulebook:
    return current_app.config["RULES"].get()  # type: ignore[no-any-return]


def _render(template: str, **values: Any) -> str:
    config, book = _config(), _book()
    return render_template(
        template,
        session=g.get("session"),
        campaigns=config.campaigns,
        labels={c.id: c.label for c in book.rules.categories},
        figure_labels=FIGURE_LABELS,
        **values,
    )


@pages.get("/")
def overview() -> str:
    data = views.overview(g.store, _config(), _book(), request.args.get("campaign"))
    return _render("overview.html", o=data)


@pages.get("/units")
def units() -> str:
    scope, rows = views.unit_statuses(g.store, _config(), _book(), request.args.get("campaign"))
    return _render("units.html", scope=scope, rows=rows)


@pages.get("/unit/<unit_id>")
def unit(unit_id: str) -> str:
    book = _book()
    found = book.roster.get(unit_id)
    if found is None:
        abort(404)
    rows = views.unit_history(g.store, _config(), book, unit_id)
    return _render("unit.html", unit=found, rows=rows)


@pages.get("/mail/<sha>")
def mail(sha: str) -> str:
    if not SHA.fullmatch(sha):
        abort(404)
    book = _book()
    page = views.mail_page(g.store, _config(), book, sha)
    if page is None:
        abort(404)
    return _render(
        "mail.html",
        p=page,
        roster=roster_order(book),
        category_ids=[c for c in CATEGORY_IDS if c in {r.id for r in book.rules.categories}],
        figure_keys=FIGURE_KEYS,
    )


@pages.get("/mail/<sha>/file/<int:number>")
def attachment(sha: str, number: int) -> Response:
    """One original attachment from the archive: photos and PDFs shown in the browser,
    everything else downloaded (never rendered as a page of this site)."""
    if not SHA.fullmatch(sha):
        abort(404)
    found = views.attachments(g.store, _config(), sha)
    if number >= len(found):
        abort(404)
    att = found[number]
    kind = detect_type(att.data[:4096], att.filename)
    inline = kind in INLINE and "download" not in request.args
    response = send_file(
        io.BytesIO(att.data),
        mimetype=INLINE[kind] if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=att.filename or f"附件{number + 1}",
    )
    # nothing in an attachment may run as this site; Chromium's PDF viewer does not
    # open in a sandboxed document, so a PDF is served without the sandbox
    sandbox = "" if inline and kind == "pdf" else "; sandbox"
    response.headers["Content-Security-Policy"] = f"default-src 'none'; img-src 'self'{sandbox}"
    return response


@pages.get("/queue")
def queue() -> str:
    scope, data = views.campaign_data(g.store, _config(), request.args.get("campaign"))
    unsure, problems = views.queue(data, _book(), _config())
    return _render(
        "queue.html", scope=scope, unsure=unsure, problems=problems, roster=roster_order(_book())
    )


@pages.get("/log")
def log() -> str:
    entries = views.log_rows(fixes_db.correction_log(g.store), _book(), _config())
    return _render("log.html", entries=entries)


@pages.get("/senders")
def senders() -> str:
    book = _book()
    remembered = fixes_db.sender_units(g.store)
    ignored = [f for f in fixes_db.corrections_in_force(g.store) if f["action"] == "ignore_sender"]
    return _render(
        "senders.html",
        remembered=remembered,
        ignored=ignored,
        roster=book.roster,
        accounts=users(g.store),
    )


@pages.get("/favicon.ico")
def favicon() -> Response:
    return Response(status=204)


@pages.get("/login")
def login() -> Response:
    # one token per browser: a second tab (or the browser's own favicon request
    # ending up here) must not invalidate the form already shown
    token = request.cookies.get(auth.LOGIN_COOKIE) or auth.new_token()
    response = make_response(
        render_template("login.html", session=None, csrf_login=token, error="", next=_next())
    )
    _set_cookie(response, auth.LOGIN_COOKIE, token, 600)
    return response


@pages.post("/login")
def login_post() -> Response:
    if not auth.same_token(request.cookies.get(auth.LOGIN_COOKIE), request.form.get("csrf")):
        return Response(
            "请求无效（缺少或错误的安全令牌），请刷新页面后重试", 403, mimetype="text/plain"
        )
    address = request.remote_addr or ""
    token, error = auth.sign_in(
        g.store,
        request.form.get("name", "").strip(),
        request.form.get("password", ""),
        address,
        _config().web.session_hours,
    )
    if token is None:
        fresh = auth.new_token()
        status = 429 if "过多" in error else 401
        response = make_response(
            render_template(
                "login.html", session=None, csrf_login=fresh, error=error, next=_next()
            ),
            status,
        )
        _set_cookie(response, auth.LOGIN_COOKIE, fresh, 600)
        return response
    response = redirect(_next())
    _set_cookie(response, auth.SESSION_COOKIE, token, int(_config().web.session_hours * 3600))
    response.delete_cookie(auth.LOGIN_COOKIE)
    return response


@pages.post("/logout")
def logout() -> Response:
    auth.sign_out(g.store, request.cookies.get(auth.SESSION_COOKIE))
    response = redirect("/login")
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


def _next() -> str:
    """Where to go after signing in: a path on this site only."""
    target = request.values.get("next", "/")
    return (
        target
        if target.startswith("/") and not target.startswith("//") and "\\" not in target
        else "/"
    )


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Strict",
        secure=_config().web.secure_cookies,
    )
