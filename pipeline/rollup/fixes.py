"""A person's corrections (pipeline.store.corrections) applied to the frames the
roll-up reads, each time it is built: so they survive `mailroll retag` and any
rule change, and a correction made in the web app is in the next workbook.

- documents: categories added or removed, figures set or cleared;
- mails: the unit (assigned from 待确认 or moved), counted as a report or not,
  mail from an ignored sender (never counted, its problems gone from 待处理);
- problems: 待处理 rows marked handled, and the 待确认 row of a mail a person
  gave a unit.
"""

from __future__ import annotations

import json

import pandas as pd

from pipeline.process import AUTH_FAILED_REASON, CONFLICT_REASON, UNKNOWN_UNIT

MANUAL = "manual"  # unit_how of a mail a person credited to a unit
ADDED_EVIDENCE = "（人工添加）"
UNIT_REASONS = (UNKNOWN_UNIT.reason, CONFLICT_REASON, AUTH_FAILED_REASON)


def problem_key(sha: object, problem_id: object, location: object, reason: object) -> str:
    """The stable key of a 待处理 row: retag re-creates a mail's problems with new ids,
    so those are keyed by where and why; a poll's own problems by their id."""
    if isinstance(sha, str):
        return f"{location}|{reason}"
    return f"#{problem_id}"


def fix_documents(docs: pd.DataFrame, fixes: pd.DataFrame) -> pd.DataFrame:
    """Categories and figures of single documents, as corrected."""
    wanted = fixes[fixes["action"].isin(("category", "figure"))]
    if wanted.empty or docs.empty:
        return docs
    docs = docs.copy()
    where = {
        (s, int(o)): i for i, s, o in zip(docs.index, docs["sha256"], docs["ordinal"], strict=True)
    }
    for fix in wanted.itertuples():
        i = where.get((fix.sha256, int(fix.ordinal)))
        if i is None:
            continue
        if fix.action == "category":
            cats, tags = json.loads(docs.at[i, "categories"]), json.loads(docs.at[i, "tags"])
            if fix.new_value == "1" and fix.key not in cats:
                cats.append(fix.key)
                tags.append([fix.key, ADDED_EVIDENCE, ""])
            elif fix.new_value == "0":
                cats = [c for c in cats if c != fix.key]
                tags = [t for t in tags if t[0] != fix.key]
            docs.at[i, "categories"] = json.dumps(cats, ensure_ascii=False)
            docs.at[i, "tags"] = json.dumps(tags, ensure_ascii=False)
        else:
            figures = json.loads(docs.at[i, "figures"])
            if fix.new_value == "":
                figures.pop(fix.key, None)
            else:
                figures[fix.key] = int(fix.new_value)
            docs.at[i, "figures"] = json.dumps(figures, ensure_ascii=False, sort_keys=True)
    return docs


def fix_mails(subs: pd.DataFrame, fixes: pd.DataFrame) -> pd.DataFrame:
    """Unit, counted and ignored, as corrected; needs `counted` (standing.mark)."""
    subs = subs.assign(ignored=subs["sender"].isin(ignored_senders(fixes)))
    for fix in fixes[fixes["action"] == "unit"].itertuples():
        hit = subs["sha256"] == fix.sha256
        subs.loc[hit, "unit_id"] = fix.new_value or None
        subs.loc[hit, "unit_how"] = MANUAL if fix.new_value else ""
    for fix in fixes[fixes["action"] == "report"].itertuples():
        subs.loc[subs["sha256"] == fix.sha256, "counted"] = fix.new_value == "1"
    subs.loc[subs["ignored"], "counted"] = False
    return subs


def fix_problems(probs: pd.DataFrame, subs: pd.DataFrame, fixes: pd.DataFrame) -> pd.DataFrame:
    """The 待处理 rows still open: not handled, not of an ignored sender's mail, and
    no 待确认 row of a mail a person gave a unit. Adds the column `key`."""
    keys = [
        problem_key(s, i, loc, r)
        for s, i, loc, r in zip(
            probs["sha256"], probs["id"], probs["location"], probs["reason"], strict=True
        )
    ]
    probs = probs.assign(key=keys)
    handled = fixes[fixes["action"] == "handled"]
    done = set(zip(handled["sha256"].fillna(""), handled["key"], strict=True))
    is_done = [
        (s if isinstance(s, str) else "", k) in done
        for s, k in zip(probs["sha256"], keys, strict=True)
    ]
    ignored = set(subs.loc[subs["ignored"], "sha256"])
    assigned = set(subs.loc[(subs["unit_how"] == MANUAL) & subs["unit_id"].notna(), "sha256"])
    unit_row = probs["reason"].fillna("").str.startswith(UNIT_REASONS)
    drop = (
        pd.Series(is_done, index=probs.index, dtype=bool)
        | probs["sha256"].isin(ignored)
        | (probs["sha256"].isin(assigned) & unit_row)
    )
    return probs[~drop]


def ignored_senders(fixes: pd.DataFrame) -> set[str]:
    rows = fixes[(fixes["action"] == "ignore_sender") & (fixes["new_value"] == "1")]
    return set(rows["key"])
