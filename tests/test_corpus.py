"""Every file of ../shared/corpus through `mailroll tag FILE --json`: text or a clear problem.

The corpus holds real malformed mails, PDFs, Office files and archives from
other projects' test suites, hostile ones included (circular XObjects, a
fuzzed OLE file that asks for gigabytes, an .ods that repeats a million rows,
a mail with thousands of nested parts). Each must come back as one JSON line,
with text read or a problem that says what went wrong, never a crash or a hang.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import SHARED, write_config

UNKNOWN_UNIT = "未能识别报送单位（待确认）"  # each problem ends with its reason
HOSTILE = (
    "email/flanker__enclosed-endless.eml",
    "office/calamine__OOM_alloc3.xls",
    "office/calamine__issue_594_dos.ods",
    "archive/admzip__large_directory_size.zip",
    "pdf/pdfminer__issue-1113-evil-xobjects.pdf",
)
# What a correct reader must find in some files (a document name or a problem)
EXPECTED = {
    "archive/admzip__chs_name.zip": ("document", "admzip__chs_name.zip/中文路径.txt"),
    "archive/admzip__issue-471-infozip-encrypted.zip": ("problem", "加密"),
    "archive/yauzl__success_unicode-path-extra-field.zip": ("problem", "七个房间.txt"),
    "office/calamine__pass_protected.xlsx": ("problem", "加密"),
    "pdf/pdfminer__encryption_aes-256-r6.pdf": ("problem", "加密的PDF"),
    "pdf/pdfminer__encryption_rc4-40.pdf": ("problem", "加密的PDF"),
    "email/mailparser__mail_outlook_1": ("problem", "Outlook"),
    "office/wordextractor__test11.doc": ("document", "wordextractor__test11.doc"),
    "docx/wordextractor__test16.docx": ("document", "wordextractor__test16.docx"),
    "office/calamine__strict_iso_paths.xlsx": ("document", "calamine__strict_iso_paths.xlsx"),
}


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():  # same rule as the shared_corpus fixture, for a whole module
        pytest.skip("../shared/corpus is not present outside the project's workplace")
    manifest = (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    paths = [line.split("\t", 1)[0] for line in manifest]
    root = tmp_path_factory.mktemp("corpus")
    (root / "mail").mkdir()
    config = write_config(root, root / "mail", extra="[limits]\nextract_timeout_s = 20\n")
    result = CliRunner().invoke(
        main, ["--config", str(config), "tag", "--json", *(str(corpus / p) for p in paths)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(paths)  # nothing else printed, nothing skipped
    return {str(Path(r["file"]).relative_to(corpus)): r for r in records}


def test_every_corpus_file_yields_text_or_a_clear_problem(corpus_results: dict) -> None:
    silent = [
        name
        for name, record in corpus_results.items()
        if not record["documents"]
        and not record["photos"]
        and not [p for p in record["problems"] if not p.endswith(UNKNOWN_UNIT)]
    ]
    assert silent == []


def test_each_problem_names_the_file_and_the_reason(corpus_results: dict) -> None:
    for record in corpus_results.values():
        name = Path(record["file"]).name
        for problem in record["problems"]:
            where, _, reason = problem.partition(": ")
            assert where == name and reason, problem  # the file first (issue 17)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_costs_at_most_one_problem(corpus_results: dict, name: str) -> None:
    problems = [p for p in corpus_results[name]["problems"] if not p.endswith(UNKNOWN_UNIT)]
    assert len(problems) <= 1, problems


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_known_corpus_answers(corpus_results: dict, name: str, expected: tuple) -> None:
    kind, text = expected
    record = corpus_results[name]
    found = record["documents"] if kind == "document" else record["problems"]
    assert any(text in item for item in found), record
