"""Where each roster unit stands: status, times, categories, figures, summary.

Pure pandas over the submissions of one campaign, no I/O. Every step is a
group-by over the whole frame (never a scan per unit), so a district season
(120 units, thousands of submissions) rolls up in milliseconds, and the
cumulative workbook can afford one roll-up per week for its week-over-week
columns.

Rules (the same as the officials apply by hand):
- a submission counts as the unit's report when it is a report, or when it
  could not be read (unreadable attachment: the unit did send something),
  or while its scan waits for OCR (识别中);
  a notice or an unrelated mail does not count, nor machine mail (auto-reply,
  bounce), a reply to a receipt or workbook mailroll sent, or a second copy of
  a mail that came by two paths (pipeline.service.screening, store copies);
- 按时 when the first counted submission came by the deadline, else 逾期;
  未报送 when there is none; 按时·附件待核 / 逾期·附件待核 (the `shown` status)
  when nothing the unit sent could be read, so what it did is not known yet;
- a corrected resubmission (更正, 重新报送 … in the subject or a file name)
  supersedes everything the unit sent before it: categories, figures and
  summary come from the correction and what followed; every mail still
  counts in 报送次数 and stays in 明细;
- figures: the largest value of each kind among the submissions in force.
"""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

from pipeline.models import FIGURE_KEYS

STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING = "按时", "逾期", "未报送"
TO_CHECK = "附件待核"  # counted, but nothing the unit sent could be read
STATUS_ON_TIME_CHECK, STATUS_LATE_CHECK = (
    f"{STATUS_ON_TIME}·{TO_CHECK}",
    f"{STATUS_LATE}·{TO_CHECK}",
)
SHOWN_STATUSES = (STATUS_ON_TIME, STATUS_ON_TIME_CHECK, STATUS_LATE, STATUS_LATE_CHECK,
                  STATUS_MISSING)  # fmt: skip
CORRECTION = re.compile(r"更正|修正|修改|修订|重新报送|重新上报|重报|替换|更新版|最终版|终稿")


def mark(subs: pd.DataFrame) -> pd.DataFrame:
    """Add the columns `counted`, `unread` (counted only because an attachment could
    not be read) and `correction` (see the module rules).

    Needs `kind`, `subject`, `problems` (open problems of the mail), `ocr_waiting`
    (its scans queued for OCR), `names` (the mail's document names joined by
    newlines), `screen` and `duplicate_of`.
    """
    waiting = subs["ocr_waiting"] > 0 if "ocr_waiting" in subs else pd.Series(False, subs.index)
    unreadable = (subs["kind"] == "unrelated") & ((subs["problems"] > 0) | waiting)
    text = subs["subject"].fillna("").astype(str) + "\n" + subs["names"].fillna("").astype(str)
    own = (subs["screen"].fillna("") == "") & subs["duplicate_of"].isna()
    return subs.assign(
        counted=((subs["kind"] == "report") | unreadable) & own,
        # 附件待核 is for a person to check; a scan waiting for OCR is read on its own
        unread=(subs["kind"] == "unrelated") & (subs["problems"] > 0) & ~waiting & own,
        correction=text.str.contains(CORRECTION, regex=True),
    )


def superseded(subs: pd.DataFrame) -> pd.Series:
    """True for counted submissions that a later correction of the same unit replaces."""
    counted = subs[subs["counted"] & subs["unit_id"].notna()]
    last_fix = counted[counted["correction"]].groupby("unit_id")["when"].max()
    if last_fix.empty:
        return pd.Series(False, index=subs.index)
    since = subs["unit_id"].map(last_fix)
    return subs["counted"] & since.notna() & (subs["when"] < since)


def rollup(subs: pd.DataFrame, unit_ids: list[str], deadline: datetime) -> pd.DataFrame:
    """One row per unit id (in the given order) with the unit's standing.

    Columns: status, shown (the status with 附件待核 when nothing the unit sent
    could be read), first, last, count, categories (set), one column per figure
    key, photos, summary, sha256 (the mail the summary comes from), plus
    notice_only and unreadable flags for the 备注 column.
    """
    index = pd.Index(unit_ids, name="unit_id")
    known = subs[subs["unit_id"].isin(index)]
    counted = known[known["counted"]].sort_values("when", kind="stable")
    groups = counted.groupby("unit_id", sort=False)
    out = pd.DataFrame(index=index)
    out["first"] = groups["when"].min()
    out["last"] = groups["when"].max()
    out["count"] = groups.size().reindex(index).fillna(0).astype(int)
    out["status"] = np.where(
        out["first"].isna(),
        STATUS_MISSING,
        np.where(out["first"] <= pd.Timestamp(deadline), STATUS_ON_TIME, STATUS_LATE),
    )

    unread = counted["unread"] if "unread" in counted else pd.Series(False, index=counted.index)
    all_unread = unread.groupby(counted["unit_id"]).all().reindex(index).fillna(False)
    out["shown"] = np.where(
        all_unread.astype(bool) & (out["status"] != STATUS_MISSING),
        out["status"] + "·" + TO_CHECK,
        out["status"],
    )
    _in_force(out, counted[~superseded(counted)])
    photos = counted[["unit_id", "photos"]].explode("photos").dropna().drop_duplicates()
    out["photos"] = photos.groupby("unit_id").size().reindex(index).fillna(0).astype(int)
    out["corrected"] = counted[counted["correction"]].groupby("unit_id").size().reindex(index) > 0

    other = known[~known["counted"]]
    out["notice_only"] = out["count"].eq(0) & index.isin(
        other.loc[other["kind"] == "notice", "unit_id"]
    )
    out["unreadable"] = index.isin(counted.loc[counted["problems"] > 0, "unit_id"])
    for flag in ("ocr_waiting", "ocr_doubtful"):  # scans 识别中; figures OCR was unsure of
        marked = counted[flag] > 0 if flag in counted else counted["problems"] < 0
        out[flag] = index.isin(counted.loc[marked, "unit_id"])
    return out


def _in_force(out: pd.DataFrame, current: pd.DataFrame) -> None:
    """Fill categories, figures, summary and sha256 from the submissions in force."""
    index = out.index
    cats = current[["unit_id", "categories"]].explode("categories").dropna()
    found = cats.groupby("unit_id")["categories"].agg(frozenset)
    out["categories"] = [found.get(u, frozenset()) for u in index]
    figures = pd.DataFrame(list(current["figures"]), index=current.index, columns=FIGURE_KEYS)
    most = figures.groupby(current["unit_id"]).max()
    for key in FIGURE_KEYS:
        out[key] = most[key].reindex(index)
    # the richest submission (most categories, then the latest) gives the summary and link
    ranked = current.assign(n=current["categories"].map(len))
    ranked = ranked.sort_values(["n", "when"], kind="stable")
    best = ranked.groupby("unit_id").tail(1).set_index("unit_id")
    out["summary"] = best["summary"].reindex(index)
    out["sha256"] = best["sha256"].reindex(index)


def tally(standing: pd.DataFrame, categories: list[str]) -> dict[str, int]:
    """Units per category, units reporting each figure and figure totals, statuses
    (按时 and 逾期 include the ·附件待核 ones, which are also counted on their own)."""
    out: dict[str, int] = {}
    for c in categories:
        out[c] = int(standing["categories"].map(lambda s, c=c: c in s).sum())
    for key in FIGURE_KEYS:
        values = pd.to_numeric(standing[key], errors="coerce")
        out[f"{key}:units"] = int(values.notna().sum())
        out[f"{key}:total"] = int(values.fillna(0).sum())
    for status in (STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING):
        out[status] = int((standing["status"] == status).sum())
    for status in (STATUS_ON_TIME_CHECK, STATUS_LATE_CHECK):  # counted apart: within 按时/逾期
        out[status] = int((standing["shown"] == status).sum())
    return out
