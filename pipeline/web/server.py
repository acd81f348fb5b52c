"""Serving the web app with waitress (a pure-Python WSGI server, no C build, threads):
on its own (`mailroll web`) or in a thread of `mailroll serve`, beside the scheduler,
sharing its database."""

from __future__ import annotations

import logging
import signal
import threading

from waitress.server import create_server

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.web import create_app

log = logging.getLogger(__name__)
THREADS = 4


class WebServer:
    """A started (listening) server; `run` serves until `close`."""

    def __init__(self, config: Config) -> None:
        web = config.web
        try:
            self.server = create_server(
                create_app(config), host=web.host, port=web.port, threads=THREADS
            )
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {web.host}:{web.port}: {exc.strerror or exc}", "[web] listen"
            ) from None
        self.url = f"http://{web.host}:{self.server.effective_port}/"  # type: ignore[union-attr]
        self.base_url = web.base_url
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        public = f" (public address {self.base_url})" if self.base_url else ""
        log.info("web: serving %s%s", self.url, public)
        self.server.run()

    def start(self) -> None:
        """Serve from a daemon thread (beside the scheduler)."""
        self._thread = threading.Thread(target=self.run, name="web", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def serve_web(config: Config) -> None:
    """`mailroll web`: serve until SIGTERM / Ctrl-C, then exit cleanly."""
    server = WebServer(config)

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("web: stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server.close()
