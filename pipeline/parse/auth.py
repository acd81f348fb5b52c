"""The receiving server's verdict on a mail's sender (Authentication-Results, RFC 8601).

Anyone can write any From address, and any header: only an
Authentication-Results header whose authserv-id names the bureau's own
provider (`[mailbox] auth_results_from`, e.g. "mx.qq.com") is the server's
word. The topmost such header is the one the receiving server added; a sender
can forge more below it. SPF, DKIM and DMARC results are read from it (the
header is parsed by `authres`, quoted strings and comments included): DMARC
decides when present, otherwise a pass of SPF or DKIM passes and a fail (or an
SPF softfail) fails. A malformed header is no one's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import authres

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
        try:
            parsed = authres.AuthenticationResultsHeader.parse(
                f"Authentication-Results: {' '.join(header.split())}"
            )
        except authres.AuthResError:  # malformed: not a server's header, as RFC 8601 says
            continue
        server = str(parsed.authserv_id or "").lower()
        if server not in ids:
            continue
        results: dict[str, list[str]] = {}
        for result in parsed.results:
            method = str(result.method).lower()
            if method in ("spf", "dkim", "dmarc"):
                results.setdefault(method, []).append(str(result.result).lower())
        return _decide(server, results)
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
