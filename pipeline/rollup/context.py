"""What every sheet builder of a roll-up workbook needs: the scope's data, labels,
roster order and links to the archived mails."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipeline.config import Config
from pipeline.process import Rulebook
from pipeline.rollup.data import Data, Scope, roster_order
from pipeline.rollup.workbook import Link

LINK_TEXT = "打开原件"


class Context:
    """What every sheet builder needs: labels, roster order, links."""

    def __init__(self, data: Data, scope: Scope, config: Config, book: Rulebook, out_dir: Path):
        self.data, self.scope, self.config, self.book = data, scope, config, book
        self.out_dir = out_dir
        self.archive = config.storage.archive.resolve()
        self.archive_from_book = Path(os.path.relpath(self.archive, out_dir.resolve())).as_posix()
        self.labels = {c.id: c.label for c in book.rules.categories}
        self.asked = list(scope.campaign.categories)
        self.units = roster_order(book)
        subs = data.subs
        self.counting = subs[subs["in_window"]] if len(subs) else subs

    def label(self, category: str) -> str:
        return self.labels.get(category, category)

    def link(self, archive_path: object) -> Link | str:
        """A link to the archived .eml, relative to the workbook (so it keeps working
        when output/ and var/ are moved or shared together); with report.links =
        "none", the path as text; with [web] base_url, the mail's page in the web app."""
        if not isinstance(archive_path, str):
            return ""
        base = self.config.web.base_url
        if base:  # the mail's page in the web app, where the original can be opened
            sha = Path(archive_path).stem
            return Link(f"{base}/mail/{sha}", LINK_TEXT, tip=f"{sha[:12]}…")
        if self.config.report.links == "none":
            return str(self.archive / archive_path)
        relative = f"{self.archive_from_book}/{Path(archive_path).as_posix()}"
        return Link(relative, LINK_TEXT, tip=f"{self.archive.name}/{Path(archive_path).name}")

    def local(self, when: pd.Series) -> pd.Series:
        return when.dt.tz_convert(self.scope.campaign.timezone).dt.tz_localize(None)
