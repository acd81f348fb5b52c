"""The receiving server's verdict on a mail's sender (Authentication-Results, RFC 8601).

Anyone can write any From address, and any header: only an
Authentication-Results header whose authserv-id names the bureau's own
provider (`[mailbox] auth_results_from`, e.g. "mx.qq.com") is the server's
word. The topmost such header is the one the receiving server added; a sender
can forge more below it. SPF, DKIM and DMARC results are read from it: DMARC
decides when present, otherwise a pass of SPF or DKIM passes and a fail (or an
SPF softfail) fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_FAILS = {"fail", "softfail", "permerror"}


@dataclass(frozen=True)
class Verdict:
    server: str  # the authserv-id
    passed: bool
    results: str  # e.g. "spf=fail dkim=none dmarc=fail"


def auth_verdict(headers: Sequence[str], trusted: Sequence[str]) -> Verdict | None:
    """The verdict of the topmost header from a trusted server, or None when there is
    none or it says nothing either way."""
    ids = {t.lower() for t in trusted}
    for header in headers:
        segments = _COMMENT.sub(" ", " ".join(header.split())).split(";")
        words = segments[0].split()
        if not words or words[0].lower() not in ids:
            continue
        results: dict[str, list[str]] = {}
        for segment in segments[1:]:
            match = _RESULT.match(segment)
            if match:
                results.setdefault(match[1].lower(), []).append(match[2].lower())
        return _decide(words[0].lower(), results)
    return None


def _decide(server: str, results: dict[str, list[str]]) -> Verdict | None:
    shown = " ".join(f"{method}={'/'.join(found)}" for method, found in results.items())
    dmarc = results.get("dmarc", [])
    if dmarc and dmarc[0] in ("pass", "fail"):
        return Verdict(server, dmarc[0] == "pass", shown)
    found = [r for method in ("spf", "dkim") for r in results.get(method, [])]
    if "pass" in found:
        return Verdict(server, True, shown)
    if _FAILS & set(found):
        return Verdict(server, False, shown)
    return None
