"""Layer `web`: store and roll-up in, pages and a person's corrections out.

`mailroll web` (or `mailroll serve`, alongside the scheduler) serves a small
Flask application where bureau staff see the campaign as it stands and correct
it: pages.py (总览, 单位, 邮件, 待处理/待确认, 操作记录, 发件地址), actions.py (the
corrections, each a POST), auth.py (accounts, sessions, CSRF, sign-in limits),
views.py (what each page shows, from the same frames as the workbook),
server.py (waitress). Plain server-rendered HTML (Jinja2 templates in
templates/, every value escaped), no script, nothing fetched from elsewhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Flask, Response, g, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix

from pipeline.config import Config
from pipeline.store import Store
from pipeline.web import auth
from pipeline.web.views import Rules, local_time

# no script anywhere; styles only from the page itself; forms only to this site
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'self'; base-uri 'none'; frame-src 'self'"
)
OPEN_ENDPOINTS = {"pages.login", "pages.login_post", "pages.favicon"}


def create_app(config: Config) -> Flask:
    """The web application for one config.toml."""
    from pipeline.web.actions import actions
    from pipeline.web.pages import pages

    app = Flask(__name__)
    app.config.update(MAILROLL=config, RULES=Rules(config.rules_dir), MAX_CONTENT_LENGTH=2**20)
    app.register_blueprint(pages)
    app.register_blueprint(actions)
    app.before_request(_open_store)
    app.before_request(_require_session)
    app.teardown_request(_close_store)
    app.after_request(_headers)
    for code, text in ERRORS.items():
        app.register_error_handler(code, lambda _e, code=code, text=text: _error(code, text))
    app.jinja_env.globals.update(csrf=lambda: g.session.csrf if g.get("session") else "")
    tz = config.campaign.timezone
    app.jinja_env.filters["local"] = lambda iso: local_time(iso, tz) if iso else ""
    if config.web.proxy_hops:
        hops = config.web.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


def _open_store() -> None:
    config: Config = _config()
    g.store = Store(config.storage.database, config.storage.archive)


def _close_store(_exc: BaseException | None) -> None:
    store = g.pop("store", None)
    if store is not None:
        store.close()


def _require_session() -> Any:
    """No page without a session; no change without the session's CSRF token, nor
    from a read-only account."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    g.session = auth.session_of(g.store, request.cookies.get(auth.SESSION_COOKIE))
    if g.session is None:
        if request.method == "GET":
            return redirect(f"/login?next={quote(request.full_path.rstrip('?'), safe='/')}")
        return Response("未登录或登录已过期", status=401, mimetype="text/plain")
    if request.method == "POST":
        if not auth.same_token(g.session.csrf, request.form.get("csrf")):
            return Response(
                "请求无效（缺少或错误的安全令牌），请刷新页面后重试", 403, mimetype="text/plain"
            )
        if not g.session.can_edit and request.endpoint != "pages.logout":
            return Response("只读账号不能修改", status=403, mimetype="text/plain")
    return None


ERRORS = {
    400: "请求无效",
    404: "没有这个页面或文件",
    405: "不支持的请求方式",
    413: "提交的内容过大",
    500: "服务器内部错误，请查看日志",
}


def _error(code: int, text: str) -> Response:
    """Errors as one Chinese line, never a traceback."""
    return Response(f"{code} {text}", status=code, mimetype="text/plain")


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _config() -> Config:
    from flask import current_app

    return current_app.config["MAILROLL"]  # type: ignore[no-any-return]
