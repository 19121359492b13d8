"""Search that finds what a person half remembers: stems, the ranked fallback, acronyms, typos,
and explaining why a paper ranked."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app_support import app_on, papers, ready, screen, settle
from quire.cli import main
from quire.models import ImportSummary, PaperRecord
from quire.search import SearchIndex
from quire.search.acronyms import AcronymTable, definitions
from quire.search.explain import explain
from quire.search.tokenizer import highlight_spans, stem
from quire.store import Library


class Run:
    """One CLI invocation's status and output."""

    def __init__(self, *args: str) -> None:
        out, err = io.StringIO(), io.StringIO()
        self.code = main(list(args), out=out, err=err)
        self.out, self.err = out.getvalue(), err.getvalue()

    def json(self) -> list[dict[str, Any]]:
        data = json.loads(self.out)
        assert isinstance(data, list)
        return data


def add(library: Library, *records: PaperRecord) -> None:
    library.import_records(records, ImportSummary(path="t", format="t"), "test")


def titles(library: Library, pids: list[int]) -> list[str]:
    return [p.title for p in library.get_papers(pids)]


@pytest.fixture
def forms(library: Library) -> Library:
    """Papers that say the same thing in different word forms, and with and without acronyms."""
    day = date(2024, 1, 1)
    add(
        library,
        PaperRecord(title="Agents that explore", abstract="Curiosity bonus.", published=day),
        PaperRecord(title="Agents for exploration", abstract="Curiosity bonus.", published=day),
        PaperRecord(title="Verification of proofs", abstract="Checking each step.", published=day),
        PaperRecord(
            title="Policy gradients for robots",
            abstract="We train robots with reinforcement learning (RL) in simulation.",
            published=day,
        ),
        PaperRecord(title="RL agents play chess", abstract="Self-play at scale.", published=day),
        PaperRecord(
            title="Reinforcement learning for chip design", abstract="Placement of macros.", published=day
        ),
        PaperRecord(title="Graph networks for molecules", abstract="Message passing.", published=day),
        PaperRecord(title="Graph databases", abstract="Storage engines.", published=day),
    )
    return library


# -- stemming -----------------------------------------------------------------------------


def test_snowball_stems_join_word_forms() -> None:
    assert stem("exploration") == stem("explore") == stem("exploring")
    assert stem("verifier") == stem("verification") == stem("verify")
    assert stem("gpt-4") == "gpt-4" and stem("2024") == "2024"


def test_other_word_forms_match_and_the_form_typed_ranks_first(forms: Library) -> None:
    index = SearchIndex.build(forms)
    assert titles(forms, index.search("explore ").pids) == ["Agents that explore", "Agents for exploration"]
    assert titles(forms, index.search("exploration ").pids) == [
        "Agents for exploration",
        "Agents that explore",
    ]
    scores = index.search("explore ").score_values
    assert scores[0] > scores[1] > 0
    assert titles(forms, index.search("verifier ").pids) == ["Verification of proofs"]


def test_highlights_mark_the_word_as_written(forms: Library) -> None:
    index = SearchIndex.build(forms)
    result = index.search("explore ")
    text = "Agents for exploration"
    assert [text[a:b] for a, b in highlight_spans(text, result.terms)] == ["exploration"]


def test_issue_example_population_based_training(seeded: Library) -> None:
    index = SearchIndex.build(seeded)
    # The seed abstract says neither "search" nor "exploit": the paper used to be missing.
    result = index.search("hyperparameter search population exploit explore")
    assert titles(seeded, result.pids[:1]) == ["Population Based Training of Neural Networks"]
    assert index.search("population hyperparameters ").exact >= 1


# -- ranked fallback ----------------------------------------------------------------------


def test_fallback_lists_the_rest_by_bm25_after_a_divider(forms: Library) -> None:
    index = SearchIndex.build(forms)
    result = index.search("graph molecules ")
    assert result.exact == 1 and result.partial == 1
    assert titles(forms, result.pids) == ["Graph networks for molecules", "Graph databases"]
    nothing_whole = index.search("graph zebra ")
    assert nothing_whole.exact == 0
    assert set(titles(forms, nothing_whole.pids)) == {"Graph networks for molecules", "Graph databases"}
    rest = index.search("graph chess molecules agents ").score_values
    full = index.search("graph chess molecules agents ").exact
    assert rest[full:] == sorted(rest[full:], reverse=True)


def test_fallback_keeps_filters_exclusions_and_phrases_strict(forms: Library) -> None:
    index = SearchIndex.build(forms)
    assert titles(forms, index.search("graph zebra -databases ").pids) == ["Graph networks for molecules"]
    assert index.search('"graph zebra" molecules ').pids == []


# -- acronyms -----------------------------------------------------------------------------


def test_acronym_definitions_are_mined_both_ways() -> None:
    text = (
        "We use reinforcement learning (RL) and Retrieval-Augmented Generation (RAG). "
        "We run GRPO (Group Relative Policy Optimization) on 10,653 problems. "
        "The model (which is small) works (see below)."
    )
    found = dict(definitions(text))
    assert found["rl"] == ("reinforcement", "learning")
    assert found["rag"] == ("retrieval", "augmented", "generation")
    assert found["grpo"] == ("group", "relative", "policy", "optimization")
    assert len(found) == 3


def test_acronym_table_is_plain_data() -> None:
    table = AcronymTable()
    table.learn("Large language models (LLMs) and large language models (LLMs) again.")
    table.learn("Reinforcement learning (RL) is used.")
    again = AcronymTable.from_json(table.to_json())
    assert again.counts == table.counts
    assert again.long_forms("llm") == [("large", "language", "model")]
    assert again.short_form(("reinforcement", "learning")) == "rl"


def test_acronyms_match_their_long_forms_below_exact_matches(forms: Library) -> None:
    index = SearchIndex.build(forms)
    short = titles(forms, index.search("RL ").pids)
    assert short[0] == "RL agents play chess"  # "RL" in the title
    assert "Reinforcement learning for chip design" in short  # only the long form
    assert short.index("RL agents play chess") < short.index("Reinforcement learning for chip design")
    long = titles(forms, index.search("reinforcement learning ").pids)
    assert long[0] == "Reinforcement learning for chip design"
    assert "RL agents play chess" in long  # only the acronym
    assert long.index("RL agents play chess") > long.index("Reinforcement learning for chip design")
    assert "rl = reinforcement learning" in index.search("RL ").plan.acronyms


# -- typos --------------------------------------------------------------------------------


def test_a_word_matching_nothing_is_read_as_the_nearest_words(forms: Library) -> None:
    index = SearchIndex.build(forms)
    result = index.search("molecuels ")
    assert result.corrections == {"molecuel": ("molecule",)}  # index forms: plurals folded
    assert titles(forms, result.pids) == ["Graph networks for molecules"]
    assert result.correction_note == "showing results for molecule (no paper has molecuels)"
    as_typed = index.search("molecuels ", correct=False)
    assert as_typed.pids == [] and as_typed.corrections == {}
    assert index.search("graph ").corrections == {}  # words the library has stay as they are
    assert index.search("xqzv ").corrections == {}  # nothing near: nothing instead


def test_typo_while_typing_the_last_word(forms: Library) -> None:
    index = SearchIndex.build(forms)
    assert index.search("graph molecuels").corrections == {"molecuel": ("molecule",)}
    assert index.search("graph molec").corrections == {}  # a prefix of a real word


# -- explain ------------------------------------------------------------------------------


def test_explain_names_fields_forms_acronyms_and_typos(forms: Library) -> None:
    index = SearchIndex.build(forms)
    result = index.search("exploration curiosity ")
    found = explain(index, result, forms.get_papers(result.pids))
    first, second = found
    assert first.title == "Agents for exploration" and first.every_word
    words = {w.word: w for w in second.words}
    assert words["exploration"].how == "stem" and words["exploration"].terms == ["explore"]
    assert words["exploration"].fields == {"title": ["explore"]}
    assert words["curiosity"].fields == {"abstract": ["curiosity"]}
    assert sum(w.score for w in second.words) == pytest.approx(second.score)
    typo = explain(index, index.search("molecuels "), forms.get_papers(index.search("molecuels ").pids))[0]
    assert typo.words[0].how == "typo for molecule"
    acronym = index.search("RL ")
    chip = [p for p in forms.get_papers(acronym.pids) if p.title.startswith("Reinforcement")]
    lines = explain(index, acronym, chip)[0].lines()
    assert any("acronym (rl = reinforcement learning)" in line for line in lines)
    partial = index.search("graph zebra ")
    assert explain(index, partial, forms.get_papers(partial.pids[:1]))[0].missing == ["zebra"]


# -- command line and reader --------------------------------------------------------------


@pytest.fixture
def sample() -> None:
    assert Run("import", "--sample").code == 0


def test_cli_typos_fallback_divider_and_explain(sample: None) -> None:
    run = Run("search", "kernal tuning agent")
    assert "showing results for kernel" in run.err and "--as-typed" in run.err
    assert "OS-R1" in run.out.splitlines()[0]
    as_typed = Run("search", "kernal tuning agent", "--as-typed")
    assert "showing results for" not in as_typed.err
    assert as_typed.out.startswith("-- also relevant")
    why = Run("search", "kernel tuning", "--explain", "--limit", "1")
    assert "kernel: exact → kernel" in why.out and "title: kernel" in why.out
    rows = Run("search", "kernel zebra", "--json", "--explain").json()
    assert rows[0]["also_relevant"] is True and rows[0]["explain"]


async def test_reader_divider_as_typed_key_and_why(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"kernel zebra ")
        await settle(pilot)
        plist = papers(pilot)
        assert plist.exact == 0 and plist.pids
        assert "no paper holds every word" in plist.render_line(0).text
        status = screen(pilot).query_one("#search-status")
        assert "also relevant" in str(status.render())
        await pilot.press("ctrl+u", *"kernal tuning")
        await settle(pilot)
        assert "showing results for kernel" in str(status.render())
        assert plist.exact >= 1
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "searching as typed" in str(status.render()) and plist.exact == 0
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert "showing results for kernel" in str(status.render())
        await pilot.press("enter", "w")
        await settle(pilot)
        why = str(screen(pilot).query_one("#detail-why").render())
        assert "typo for kernel" in why
        await pilot.press("w")
        await settle(pilot)
        assert not screen(pilot).query_one("#detail-why").display


def test_acronym_table_is_saved_and_loaded_with_the_index(forms: Library) -> None:
    from quire.search.opening import open_index
    from quire.search.persist import load

    open_index(forms)
    loaded = load(forms)
    assert loaded.lexicon.acronyms.long_forms("rl") == [("reinforcement", "learning")]
    assert "Reinforcement learning for chip design" in titles(forms, loaded.search("RL ").pids)
    assert loaded.search("molecuels ").corrections == {"molecuel": ("molecule",)}


def test_also_relevant_keeps_the_best_when_many_hold_some_words(
    forms: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quire.search import engine

    index = SearchIndex.build(forms)
    every = index.search("graph agents chess ")
    monkeypatch.setattr(engine, "ALSO_RELEVANT_LIMIT", 2)
    capped = index.search("graph agents chess ")
    assert capped.partial == 2 and capped.unlisted == every.partial - 2
    assert capped.pids == every.pids[: capped.exact + 2]  # the best of them, in the same order


def test_also_relevant_cut_among_equal_scores_is_the_same_after_catching_up(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Papers tied in score at the cut: the ones kept are the first of the listed order (newest
    first, then paper id), in an index that caught up with changes as in a fresh build."""
    from quire.search import engine

    add(
        library,
        *(
            PaperRecord(title=f"Graph notes {n}", abstract="Same words.", published=date(2024, 1, 1 + n % 3))
            for n in range(12)
        ),
    )
    caught_up = SearchIndex.build(library)
    # Bookmarks re-index the papers they touch: they move to new slots, out of pid order.
    library.set_bookmarked(list(reversed(caught_up.pids))[::2], True)
    caught_up.refresh()
    every = SearchIndex.build(library).search("graph chess ")
    assert every.exact == 0 and every.partial == 12
    monkeypatch.setattr(engine, "ALSO_RELEVANT_LIMIT", 5)
    fresh = SearchIndex.build(library).search("graph chess ")
    assert fresh.pids == every.pids[:5]
    assert caught_up.search("graph chess ").pids == fresh.pids
