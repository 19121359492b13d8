"""The Hugging Face Daily Papers text importer against the five real captured pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, SEEDS, TODAY
from quire.importers.base import ParseContext
from quire.importers.hf_text import infer_year, read_hf_text
from quire.models import PaperRecord, title_key


def parse(path: Path, year: int | None = None, today: date = TODAY) -> list[PaperRecord]:
    ctx = ParseContext(path=path, year=year, today=today)
    records = list(read_hf_text(path.read_text(encoding="utf-8"), ctx))
    assert ctx.skipped == []
    return records


def by_title(records: list[PaperRecord], start: str) -> PaperRecord:
    return next(r for r in records if r.title.startswith(start))


def test_every_seed_entry_is_read() -> None:
    counts = [len(parse(seed)) for seed in SEEDS]
    assert counts == [93, 119, 53, 96, 71]
    assert sum(counts) == 432  # FORMATS.md: the five files hold 432 entries


def test_distinct_titles_across_seeds() -> None:
    keys = {title_key(r.title) for seed in SEEDS for r in parse(seed)}
    assert len(keys) == 390


def test_layout_with_metadata_reads_every_field() -> None:
    records = parse(FIXTURES / "000_b8500a6a0056c58d.txt")
    first = records[0]
    assert first.title == "Adaptive Guidance Accelerates Reinforcement Learning of Reasoning Models"
    assert first.abstract is not None and first.abstract.startswith("We study the process")
    assert first.author_count == 6 and first.published == date(2025, 6, 16)
    intern = by_title(records, "Intern-S1")
    assert (intern.author_count, intern.published, intern.upvotes) == (175, date(2025, 8, 21), 5)
    tacsl = by_title(records, "TacSL")
    assert (tacsl.published, tacsl.upvotes) == (date(2024, 8, 12), 2)
    surrogate = by_title(records, "Training Deep Surrogate Models")
    assert (surrogate.published, surrogate.upvotes) == (date(2023, 6, 28), None)


def test_organisation_chip_instead_of_authors() -> None:
    records = parse(FIXTURES / "000_b8500a6a0056c58d.txt")
    apple = next(r for r in records if r.org_handle == "apple")
    assert apple.org_name == "Apple" and apple.author_count is None
    assert (apple.published, apple.upvotes) == (date(2025, 10, 14), 2)
    kalm = next(r for r in records if r.org_handle == "KaLM-Embedding")
    assert kalm.org_name == "KaLM-Embedding"
    other = parse(FIXTURES / "002_0c6791d7cd7a315c.txt")
    aq = next(r for r in other if r.org_handle == "AQ-MedAI")
    assert aq.org_name == "AQ" and aq.upvotes == 7


def test_entry_with_no_metadata_block() -> None:
    records = parse(FIXTURES / "000_b8500a6a0056c58d.txt")
    unified = by_title(records, "Towards a Unified View of Large Language Model Post-Training")
    assert unified.abstract and unified.published is None and unified.author_count is None


def test_layout_without_blank_lines_strips_subscribe() -> None:
    records = parse(FIXTURES / "001_dfed78a48e075cb1.txt")
    assert records[0].title.startswith("OS-R1: Agentic Operating System Kernel Tuning")
    assert records[1].title == "Kwai Keye-VL Technical Report"
    assert all(r.abstract and len(r.abstract) > 200 for r in records)
    assert all(r.published is None for r in records)


def test_layout_without_metadata() -> None:
    records = parse(FIXTURES / "003_326a9684f2630e76.txt")
    assert records[0].title == "Hyperspherical embedding for novel class classification"
    assert all(r.abstract and r.published is None for r in records)


def test_year_rule_is_one_after_latest_explicit_year() -> None:
    records = parse(FIXTURES / "002_0c6791d7cd7a315c.txt")
    # Latest explicit year in the file is 2024, so "Dec 2" means 2025.
    assert by_title(records, "PretrainZero").published == date(2025, 12, 2)


def test_year_rule_never_in_the_future() -> None:
    # Captured "today" in 2025-09: an inferred 2025 Dec date would be in the future, so 2024.
    records = parse(FIXTURES / "002_0c6791d7cd7a315c.txt", today=date(2025, 9, 30))
    assert by_title(records, "PretrainZero").published == date(2024, 12, 2)
    assert infer_year([2024], None, date(2024, 3, 1)) == 2024
    assert infer_year([], None, TODAY) == 2026


def test_year_override() -> None:
    records = parse(FIXTURES / "002_0c6791d7cd7a315c.txt", year=2023)
    assert by_title(records, "PretrainZero").published == date(2023, 12, 2)
    # Dates with an explicit year are untouched by the override.
    assert any(r.published and r.published.year == 2024 for r in records)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_titles_short_and_abstracts_long(seed: Path) -> None:
    for record in parse(seed):
        assert len(record.title) < 200
        assert record.abstract is None or len(record.abstract) > 150
