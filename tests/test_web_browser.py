"""The web app in a real browser (Debian's headless Chromium through Selenium),
served by `mailroll serve` itself beside its scheduler: an official signs in,
assigns a 待确认 mail to its unit remembering the address, sees the unit leave
未报送 on 总览 and in the workbook the service writes on its next poll, undoes it
and sees it return. Hostile text in a mail renders as text, and no script runs.

Each page's screenshot is written to $MAILROLL_SCREENSHOTS (the README's
pictures in docs/web/ come from `MAILROLL_SCREENSHOTS=docs/web`), else to the
test's temp dir."""

from __future__ import annotations

import os
import signal
import socket
import zipfile
from pathlib import Path

from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.builders import make_mail
from tests.conftest import REPO, Workspace
from tests.reportkit import at, by_unit
from tests.servicekit import Mailroll, wait_until
from tests.webkit import (
    CONFLICT_SUBJECT,
    PASSWORD,
    campaign,
    chromium,
    free_port,
    serving,
)

AUDIT = "重庆市江北区审计局"
HOSTILE_SUBJECT = "<script>document.title='pwned'</script>节能总结"


def _wait(driver: object) -> WebDriverWait:
    """Wait up to 30 s; a page that reloads while it is read (a redirect after a POST)
    leaves stale elements for a moment, which is no failure."""
    return WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MAILROLL_SCREENSHOTS") or tmp_path)
    folder = folder if folder.is_absolute() else REPO / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _status(book: Path, unit: str) -> object:
    try:
        return by_unit(book)[unit]["报送状态"]
    except (FileNotFoundError, KeyError, zipfile.BadZipFile):
        return None


def _sign_in(driver, base: str) -> None:  # type: ignore[no-untyped-def]
    driver.get(base + "/")
    assert "/login" in driver.current_url  # no page without a session
    driver.find_element(By.ID, "name").send_keys("zhang")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "signin").click()
    _wait(driver).until(lambda d: "/login" not in d.current_url)


def _missing(driver, base: str) -> str:  # type: ignore[no-untyped-def]
    driver.get(base + "/")
    if not driver.find_elements(By.ID, "missing"):
        raise AssertionError(driver.page_source[:3000])
    return str(driver.find_element(By.ID, "missing").text)


def test_assign_a_review_mail_in_the_browser_and_undo_it(tmp_path: Path) -> None:
    port = free_port()
    ws = campaign(Workspace(tmp_path), port=port, service="poll_minutes = 0.03")
    shots = _shots(tmp_path)
    book = ws.config.report.dir / "江北区节能宣传周汇总_累计.xlsx"
    service = Mailroll(ws.config_path, "serve")
    try:
        wait_until("the web app listening", lambda: _listening(port), service)
        base = f"http://127.0.0.1:{port}"
        with chromium() as driver:
            driver.get(base + "/login")
            driver.save_screenshot(str(shots / "login.png"))
            _sign_in(driver, base)
            assert AUDIT in _missing(driver, base)
            driver.save_screenshot(str(shots / "overview.png"))

            driver.get(base + "/queue")
            driver.save_screenshot(str(shots / "queue.png"))
            driver.find_element(By.LINK_TEXT, CONFLICT_SUBJECT).click()
            assert "发件地址属于重庆市江北区司法局，材料署名为重庆市江北区审计局" in (
                driver.find_element(By.ID, "conflict").text
            )
            assert driver.find_elements(By.TAG_NAME, "mark")  # the evidence, highlighted
            driver.save_screenshot(str(shots / "mail.png"))
            Select(driver.find_element(By.ID, "unit_id")).select_by_value("sjj")
            driver.find_element(By.ID, "remember").click()
            driver.find_element(By.NAME, "note").send_keys("电话核实：审计局借用司法局邮箱")
            driver.find_element(By.ID, "assign-button").click()
            _wait(driver).until(lambda d: AUDIT in d.find_element(By.ID, "unit").text)

            assert AUDIT not in _missing(driver, base)
            wait_until("the service's workbook to credit 审计局",
                       lambda: _status(book, AUDIT) == "按时", service)  # fmt: skip

            driver.get(base + "/unit/sjj")
            driver.save_screenshot(str(shots / "unit.png"))
            driver.get(base + "/senders")
            assert "sfj@jiangbei.example" in driver.find_element(By.ID, "remembered").text
            driver.save_screenshot(str(shots / "senders.png"))
            driver.get(base + "/log")
            driver.save_screenshot(str(shots / "log.png"))
            driver.find_element(By.CSS_SELECTOR, "button.undo").click()  # the newest first
            _wait(driver).until(lambda d: "已撤销" in d.page_source)

            assert AUDIT in _missing(driver, base)
            wait_until("the service's workbook to show 审计局 missing again",
                       lambda: _status(book, AUDIT) == "未报送", service)  # fmt: skip
            driver.get(base + "/senders")
            assert "sfj@jiangbei.example" not in driver.find_element(By.ID, "remembered").text
    finally:
        if service.proc.poll() is None:
            service.signal(signal.SIGTERM)
        assert service.wait(60) == 0


def _no_script_ran(driver) -> None:  # type: ignore[no-untyped-def]
    assert HOSTILE_SUBJECT in driver.find_element(By.TAG_NAME, "body").text  # shown as text
    assert "pwned" not in driver.title
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "img") == []
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript']") == []
    try:
        alert = driver.switch_to.alert.text
    except NoAlertPresentException:
        alert = None
    assert alert is None


def test_hostile_mail_renders_as_text_and_runs_no_script(workspace: Workspace) -> None:
    workspace.add(
        make_mail(
            sender="vendor@example.org",
            subject=HOSTILE_SUBJECT,
            body="<img src=x onerror=\"document.title='pwned'\">\n"
            "<a href=\"javascript:document.title='pwned'\">点我领奖</a>\n"
            "<script>document.title='pwned'</script>",
            attachments=[("<img src=x onerror=alert(1)>.html", b"<script>alert(1)</script>")],
            date=at(16),
            message_id="<hostile@example.org>",
        ),
        "hostile.eml",
    )
    ws = campaign(workspace)
    with serving(ws.config) as base, chromium() as driver:
        _sign_in(driver, base)
        driver.get(base + "/queue")
        _no_script_ran(driver)
        driver.find_element(By.PARTIAL_LINK_TEXT, "节能总结").click()
        _wait(driver).until(lambda d: "/mail/" in d.current_url)
        _no_script_ran(driver)
        page = driver.find_element(By.TAG_NAME, "body").text
        assert "<img src=x onerror=" in page and "javascript:document.title" in page
        # the .html attachment is downloaded, never shown as a page of this site
        driver.get(driver.current_url + "/file/0")
        assert driver.find_elements(By.TAG_NAME, "script") == []
        assert "pwned" not in driver.title
