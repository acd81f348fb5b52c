"""Issue 14: a From forged with a roster unit's address is not credited to it when
the bureau's own receiving server says the sender failed SPF/DKIM/DMARC; only that
server's Authentication-Results headers are trusted."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.parse.auth import auth_verdict
from pipeline.process import load_rulebook
from pipeline.service.runner import open_store, run_once
from pipeline.store.corrections import Correction, save_correction
from tests.builders import make_mail
from tests.conftest import Workspace, write_config
from tests.reportkit import by_unit, table

UNIT = "观音桥街道办事处"
REAL_FAIL = "mx.qq.com; spf=fail smtp.mailfrom=guanyinqiao@jiangbei.example; dkim=none; dmarc=fail"
REAL_PASS = "mx.qq.com; spf=pass smtp.mailfrom=guanyinqiao@jiangbei.example; dkim=pass header.d=jiangbei.example; dmarc=pass"  # noqa: E501


def with_headers(raw: bytes, *values: str) -> bytes:
    """The mail with Authentication-Results headers on top, topmost first."""
    head = b"".join(b"Authentication-Results: " + v.encode() + b"\n" for v in values)
    return head + raw


def unit_mail(n: int = 0) -> bytes:
    return make_mail(
        sender="guanyinqiao@jiangbei.example",
        subject="观音桥街道节能宣传周工作总结",
        body="观音桥街道组织干部职工绿色出行，悬挂横幅3条。",
        message_id=f"<auth-{n}@jiangbei.example>",
    )


def trusted(ws: Workspace, servers: str = '["mx.qq.com"]') -> None:
    text = ws.config_path.read_text(encoding="utf-8")
    text = text.replace('source = "maildir"', f'source = "maildir"\nauth_results_from = {servers}')
    ws.config_path.write_text(text, encoding="utf-8")


def status_and_rows(ws: Workspace) -> tuple[str, list[dict[str, object]]]:
    result = run_once(ws.config)
    assert result.error is None and result.workbook is not None
    rows = [r for r in table(result.workbook, "待处理") if "验证未通过" in str(r["问题"])]
    return str(by_unit(result.workbook)[UNIT]["报送状态"]), rows


def test_a_failing_verdict_from_the_trusted_server_is_a_review_item(workspace: Workspace) -> None:
    trusted(workspace)
    workspace.add(with_headers(unit_mail(), REAL_FAIL, "mx.qq.com; dmarc=pass"))  # 2nd: forged
    status, rows = status_and_rows(workspace)
    assert status == "未报送"
    (row,) = rows
    assert "guanyinqiao@jiangbei.example" in str(row["问题"]) and "dmarc=fail" in str(row["问题"])


@pytest.mark.parametrize(
    "headers",
    [
        (REAL_PASS,),  # the server's pass
        (),  # no header at all
        ("evil.example; dmarc=fail", "mx.qq.com.evil.example; spf=fail"),  # not our server
        ("mx.qq.com; spf=none; dkim=none",),  # says nothing either way
    ],
    ids=["pass", "none", "other-server", "no-verdict"],
)
def test_anything_else_changes_nothing(workspace: Workspace, headers: tuple[str, ...]) -> None:
    trusted(workspace)
    workspace.add(with_headers(unit_mail(), *headers))
    status, rows = status_and_rows(workspace)
    assert status == "按时" and rows == []


def test_without_auth_results_from_the_headers_are_not_looked_at(workspace: Workspace) -> None:
    workspace.add(with_headers(unit_mail(), REAL_FAIL))
    status, rows = status_and_rows(workspace)
    assert status == "按时" and rows == []


def test_the_verdict_rules() -> None:
    servers = ["mx.qq.com"]
    assert auth_verdict(["MX.QQ.COM 1; dmarc=fail (p=none)"], servers).passed is False  # type: ignore[union-attr]
    assert auth_verdict(["mx.qq.com; spf=softfail; dkim=pass"], servers).passed  # type: ignore[union-attr]
    assert auth_verdict(["mx.qq.com; spf=softfail; dkim=none"], servers).passed is False  # type: ignore[union-attr]
    assert auth_verdict(["mx.qq.com; dkim=fail; dmarc=pass"], servers).passed  # type: ignore[union-attr]
    assert auth_verdict(["mx.qq.com; none"], servers) is None
    quoted = 'mx.qq.com; dkim=pass header.b="ab; dmarc=fail"'  # a quoted ; is not a result
    assert auth_verdict([quoted], servers).passed  # type: ignore[union-attr]
    assert auth_verdict(["mx.qq.com; dmarc=fail (((", "mx.qq.com; dmarc=pass"], servers).passed  # type: ignore[union-attr]


def test_auth_results_from_must_be_server_names(tmp_path) -> None:
    path = write_config(tmp_path, tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        'source = "maildir"', 'source = "maildir"\nauth_results_from = ["mx qq"]'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="auth_results_from"):
        load_config(path)


def test_a_person_who_checked_with_the_unit_credits_it(workspace: Workspace) -> None:
    trusted(workspace)
    workspace.add(with_headers(unit_mail(), REAL_FAIL))
    assert status_and_rows(workspace)[0] == "未报送"
    store = open_store(workspace.config)
    try:
        (sha,) = [m.sha256 for m in store.all_mails()]
        unit_id = (
            load_rulebook(workspace.config.rules_dir)
            .roster.by_sender("guanyinqiao@jiangbei.example")
            .id
        )  # type: ignore[union-attr]
        save_correction(store, Correction("unit", sha, key="unit", new_value=unit_id), "zhang")
    finally:
        store.close()
    status, rows = status_and_rows(workspace)
    assert status == "按时" and rows == []  # the review row closes with the decision
