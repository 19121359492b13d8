"""The vocabulary's stem groups travel with the saved index: opening it stems nothing, and the
words it learns later group with the saved ones exactly as a fresh build groups them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from test_persist import assert_same

from quire.models import ImportSummary, PaperRecord
from quire.search import SearchIndex, expand
from quire.search.persist import load, save
from quire.search.stem_groups import STEM_KEYS, STEM_STARTS, STEM_TERMS, SavedStems
from quire.search.tokenizer import stem
from quire.store import Library


def every_form(index: SearchIndex) -> dict[str, tuple[str, ...]]:
    """Each vocabulary word's other forms, as a query would read them."""
    return {term: index.lexicon.forms(term) for term in index.bm25.terms}


def test_opening_a_saved_index_stems_no_word(seeded: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    save(SearchIndex.build(seeded))
    stemmed: list[str] = []
    real = stem

    def counting(term: str) -> str:
        stemmed.append(term)
        return real(term)

    monkeypatch.setattr(expand, "stem", counting)
    loaded = load(seeded)
    assert stemmed == []  # the vocabulary's thousands of words were each stemmed here before
    monkeypatch.setattr(expand, "stem", real)
    assert every_form(loaded) == every_form(SearchIndex.build(seeded))
    assert_same(loaded, seeded)


def test_words_learned_after_opening_group_with_the_saved_ones(seeded: Library) -> None:
    save(SearchIndex.build(seeded))
    loaded = load(seeded)
    seeded.import_records(
        [
            PaperRecord(
                title="Explorations of zyxwords",
                abstract="The zyxword explorer explores and zyxwording helps.",
                published=date(2024, 5, 1),
            )
        ],
        ImportSummary(path="t", format="t"),
        "test",
    )
    loaded.refresh()
    assert "zyxword" in loaded.lexicon.forms("zyxwords")
    assert every_form(loaded) == every_form(SearchIndex.build(seeded))
    assert_same(loaded, seeded)
    save(loaded)  # the saved groups and the new ones become one set of arrays
    again = load(seeded)
    assert again.lexicon.saved is not None and again.lexicon.stems == {}
    assert every_form(again) == every_form(SearchIndex.build(seeded))


def test_an_index_saved_without_groups_still_opens(seeded: Library) -> None:
    index = SearchIndex.build(seeded)
    arrays, scalars = index.to_arrays()
    flat = {
        name: np.concatenate(parts) for name, parts in arrays.items() if name not in (STEM_KEYS, STEM_STARTS)
    }
    old = SearchIndex.from_arrays(seeded, flat, scalars)  # a part missing: all worked out again
    assert old.lexicon.saved is None
    assert every_form(old) == every_form(index)


def _arrays(keys: list[str], starts: list[int], terms: list[int]) -> dict[str, np.ndarray]:
    return {
        STEM_KEYS: np.frombuffer("\n".join(keys).encode(), dtype=np.uint8),
        STEM_STARTS: np.asarray(starts, dtype=np.int64),
        STEM_TERMS: np.asarray(terms, dtype=np.int64),
    }


@pytest.mark.parametrize(
    ("keys", "starts", "terms"),
    [
        (["explor", "model"], [0, 2], [0, 1, 2]),  # one start too few
        (["explor", "model"], [0, 2, 2], [0, 1]),  # an empty group
        (["model", "explor"], [0, 1, 2], [0, 1]),  # keys out of order
        (["explor", "model"], [0, 1, 2], [0, 0]),  # a term in two groups
        (["explor", "model"], [0, 1, 2], [0, 7]),  # a term past the vocabulary
        (["explor", "model"], [1, 1, 2], [0, 1]),  # not starting at 0
    ],
)
def test_damaged_groups_are_refused(keys: list[str], starts: list[int], terms: list[int]) -> None:
    with pytest.raises(ValueError, match="stem groups"):
        SavedStems.from_arrays(_arrays(keys, starts, terms), n_terms=3)


def test_sound_groups_are_found_by_stem() -> None:
    saved = SavedStems.from_arrays(_arrays(["explor", "model"], [0, 2, 3], [0, 2, 1]), n_terms=3)
    assert saved is not None
    vocabulary = ["explore", "model", "exploration"]
    assert saved.group("explor", vocabulary) == ["explore", "exploration"]
    assert saved.group("model", vocabulary) == ["model"]
    assert saved.group("zebra", vocabulary) == []
