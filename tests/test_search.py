"""The search module: tokenizer, parser, BM25 ranking, filters, updates, similar, for-you."""

from __future__ import annotations

import re
from datetime import date

import pytest
from rank_bm25 import BM25Okapi

from quire.models import ImportSummary, PaperRecord
from quire.search import SearchIndex, for_you, parse_query, similar_papers
from quire.search.bm25 import PostingsBM25
from quire.search.tokenizer import highlight_spans, index_terms, query_terms
from quire.store import Library

# -- tokenizer ---------------------------------------------------------------------------


def test_tokenizer_keeps_compound_tokens_and_parts() -> None:
    terms = index_terms("GPT-4 beats E^2Rank on RL tasks")
    assert {"gpt-4", "gpt", "4", "e^2rank", "rl", "beat", "task"} <= set(terms)
    assert query_terms("GPT-4") == ["gpt-4"]


def test_identity_and_search_fold_accents_alike() -> None:
    """One folding for paper identity and for search: a title key's words are the index's
    folded words, whatever the script's combining marks."""
    from quire.folding import fold
    from quire.models import name_words, title_key
    from quire.search import tokenizer

    assert vars(tokenizer)["fold"] is fold  # the tokenizer's own name for it, not a copy
    for text in ("Kollár, János", "TÜLU Ångström", "ΐ Ελληνικά", "Ｆｕｌｌｗｉｄｔｈ ﬁne", "Straße"):
        assert title_key(text) == " ".join(re.findall(r"\w+", fold(text)))
    assert name_words("Kollár, J.") == ["kollar", "j"]
    assert query_terms("Ångström") == ["angstrom"]


def test_tokenizer_folds_case_accents_plurals_and_stop_words() -> None:
    assert query_terms("The Transformers of TÜLU") == ["transformer", "tulu"]
    assert query_terms("studies boxes classes analysis") == ["study", "box", "class", "analysis"]


def test_highlight_spans_cover_terms_and_prefixes() -> None:
    text = "Reinforcement learning with GPT-4"
    spans = highlight_spans(text, {"learning", "gpt"}, ("reinfor",))
    assert [text[a:b] for a, b in spans] == ["Reinforcement", "learning", "GPT"]


# -- parser ------------------------------------------------------------------------------


def test_words_phrases_exclusions_or() -> None:
    query = parse_query('graph neural OR gnn "exact phrase" -bad -"no way" ', typing=False)
    assert [[a.terms for a in c] for c in query.clauses] == [
        [("graph",)],
        [("neural",), ("gnn",)],
        [("exact", "phrase")],
    ]
    assert query.clauses[2][0].phrase
    assert [a.terms for a in query.excluded] == [("bad",), ("way",)]
    assert query.errors == []


def test_last_word_is_a_prefix_while_typing() -> None:
    assert parse_query("deep reinfor").clauses[-1][0].prefix
    assert not parse_query("deep reinfor ").clauses[-1][0].prefix
    assert not parse_query("deep reinfor", typing=False).clauses[-1][0].prefix


@pytest.mark.parametrize(
    ("text", "name", "low", "high", "negate"),
    [
        ("tag:RL", "tag", None, None, False),
        ("-tag:old", "tag", None, None, True),
        ("is:bookmarked", "is", None, None, False),
        ("is:unread", "is", None, None, False),
        ("has:note", "has", None, None, False),
        ("year:2024", "year", 19723, 20088, False),
        ("year:2023..2025", "year", 19358, 20453, False),
        ("date:>=2025-06-01", "date", 20240, None, False),
        ("upvotes:>10", "upvotes", 11, None, False),
        ("authors:<=3", "authors", None, 3, False),
        ("org:Apple", "org", None, None, False),
        ("source:hf-text", "source", None, None, False),
        ("id:2401", "id", None, None, False),
    ],
)
def test_filters(text: str, name: str, low: float | None, high: float | None, negate: bool) -> None:
    query = parse_query(text)
    assert query.errors == [] and not query.has_words
    flt = query.filters[0]
    assert (flt.name, flt.low, flt.high, flt.negate) == (name, low, high, negate)


def test_sort() -> None:
    assert (parse_query("x sort:upvotes").sort, parse_query("x sort:upvotes").reverse) == ("upvotes", False)
    assert parse_query("sort:-date").reverse


@pytest.mark.parametrize(
    ("text", "message", "words"),
    [
        ('diffusion "unclosed phrase', "unclosed quote at column 11", 3),
        ("year:abc diffusion", "column 1: year:abc is not a valid year", 1),
        ("is:starred x", "unknown value 'starred' for is:", 1),
        ("has:pdf x", "unknown value 'pdf' for has:", 1),
        ("upvotes:lots x", "upvotes:lots is not a valid upvotes", 1),
        ("date:yesterday x", "date:yesterday is not a valid date", 1),
        ("sort:best x", "unknown sort key 'best'", 1),
        ("tga:rl x", "unknown filter tga: (did you mean tag:?)", 3),
        ("OR x", "OR needs a word on each side", 1),
        ("tag: x", "tag: needs a value", 1),
    ],
)
def test_malformed_queries_never_raise(text: str, message: str, words: int) -> None:
    query = parse_query(text)
    assert any(message in e for e in query.errors), query.errors
    assert len(query.clauses) == words  # the usable words still search


# -- engine on a small made-up library ----------------------------------------------------


def add(library: Library, *records: PaperRecord) -> None:
    library.import_records(records, ImportSummary(path="t", format="t"), "test")


@pytest.fixture
def small(library: Library) -> Library:
    add(
        library,
        PaperRecord(
            title="Graph neural networks for molecules",
            arxiv_id="2401.00001",
            abstract="We study message passing on chemical graphs.",
            upvotes=5,
            published=date(2024, 1, 5),
            author_count=3,
            org_name="Example Lab",
            org_handle="examplelab",
        ),
        PaperRecord(
            title="Language models are few-shot learners",
            arxiv_id="2005.14165",
            abstract="Scaling language models improves few-shot performance, including on graph reasoning.",
            upvotes=50,
            published=date(2020, 5, 28),
            author_count=31,
        ),
        PaperRecord(
            title="A survey of diffusion models",
            abstract="Diffusion models generate images by denoising; we review graph diffusion too.",
            published=date(2025, 7, 1),
            upvotes=12,
            author_count=60,
        ),
        PaperRecord(
            title="Reinforcement learning from human feedback",
            abstract="Policies trained with reward models from preferences.",
            published=date(2023, 3, 3),
            upvotes=2,
        ),
    )
    return library


def titles(library: Library, pids: list[int]) -> list[str]:
    return [p.title for p in library.get_papers(pids)]


def test_title_match_beats_abstract_match(small: Library) -> None:
    index = SearchIndex.build(small)
    found = titles(small, index.search("graph").pids)
    assert found[0] == "Graph neural networks for molecules"
    assert len(found) == 3


def test_prefix_and_phrase(small: Library) -> None:
    index = SearchIndex.build(small)
    assert titles(small, index.search("reinfor").pids) == ["Reinforcement learning from human feedback"]
    assert titles(small, index.search('"few-shot performance"').pids) == [
        "Language models are few-shot learners"
    ]
    assert index.search('"performance few-shot"').pids == []


def test_exclusions_and_or(small: Library) -> None:
    index = SearchIndex.build(small)
    assert "A survey of diffusion models" not in titles(small, index.search("graph -diffusion").pids)
    found = titles(small, index.search("molecules OR denoising").pids)
    assert sorted(found) == ["A survey of diffusion models", "Graph neural networks for molecules"]
    assert "Language models are few-shot learners" not in titles(
        small, index.search('models -"language models"').pids
    )


def test_filters_and_sorts(small: Library) -> None:
    index = SearchIndex.build(small)
    assert titles(small, index.search("year:2024").pids) == ["Graph neural networks for molecules"]
    assert len(index.search("upvotes:>10").pids) == 2
    assert titles(small, index.search("authors:>50").pids) == ["A survey of diffusion models"]
    assert titles(small, index.search("org:example").pids) == ["Graph neural networks for molecules"]
    assert len(index.search("id:2401").pids) == 1
    assert len(index.search("source:test").pids) == 4
    assert len(index.search("date:>=2023-01-01 date:<2025-01-01").pids) == 2
    by_date = titles(small, index.search("").pids)
    assert by_date[0] == "A survey of diffusion models"
    assert titles(small, index.search("sort:upvotes").pids)[0] == "Language models are few-shot learners"
    assert titles(small, index.search("sort:title").pids)[0] == "A survey of diffusion models"
    assert titles(small, index.search("sort:-date").pids)[0] == "Language models are few-shot learners"
    assert titles(small, index.search("graph sort:date").pids)[0] == "A survey of diffusion models"


def test_partial_matches_come_after_full_matches(small: Library) -> None:
    index = SearchIndex.build(small)
    result = index.search("graph message passing chemistry ")
    assert result.exact == 0 and result.partial >= 1
    assert titles(small, result.pids)[0] == "Graph neural networks for molecules"
    two_words = index.search("graph zebra")
    assert two_words.exact == 0 and len(two_words.pids) == 3  # the rest by BM25, any length


def test_incremental_updates_after_annotations_and_import(small: Library) -> None:
    index = SearchIndex.build(small)
    pid = index.search("molecules").pids[0]
    small.add_tags([pid], ["chemistry"])
    small.set_note(pid, "compare with quantum methods")
    small.set_bookmarked([pid], True)
    assert index.search("tag:chemistry").pids == []  # not refreshed yet
    assert index.refresh() == 1
    assert index.search("tag:chemistry").pids == [pid]
    assert index.search("quantum").pids == [pid]
    assert index.search("is:bookmarked").pids == [pid]
    assert index.search("is:tagged has:note").pids == [pid]
    add(small, PaperRecord(title="Quantum chemistry with transformers"))
    index.refresh()
    assert len(index.search("quantum").pids) == 2
    small.remove([pid])
    index.refresh()
    assert len(index.search("quantum").pids) == 1
    assert index.size == 4


def test_results_carry_matched_terms(small: Library) -> None:
    index = SearchIndex.build(small)
    result = index.search("graph networ")
    assert {"graph", "network"} <= result.terms and result.prefixes == ("networ",)
    pid = result.pids[0]
    assert set(index.matched_terms(pid, result.terms)) >= {"graph", "network"}


def test_bad_query_still_searches(small: Library) -> None:
    index = SearchIndex.build(small)
    result = index.search("graph year:abc")
    assert result.errors and len(result.pids) == 3


def test_postings_bm25_equals_rank_bm25() -> None:
    corpus = [
        index_terms(t)
        for t in (
            "graph neural networks graph",
            "language models few shot",
            "graph diffusion models",
            "reinforcement learning",
            "models of models",
        )
    ]
    ours, reference = PostingsBM25(corpus), BM25Okapi(corpus)
    for query in (["graph"], ["model", "graph"], ["reinforcement", "missing"]):
        assert ours.get_scores(query).tolist() == pytest.approx(list(reference.get_scores(query)))
        assert ours.get_batch_scores(query, [4, 0]).tolist() == pytest.approx(
            reference.get_batch_scores(query, [4, 0])
        )


def test_similar_papers_on_seeds(seeded: Library) -> None:
    index = SearchIndex.build(seeded)
    pid = index.search("GaLore").pids[0]
    found = similar_papers(index, pid)
    assert len(found) == 5 and pid not in [n.pid for n in found]
    assert all(n.shared for n in found)
    assert found[0].score >= found[-1].score


@pytest.mark.parametrize(
    "text",
    [
        "model",
        "language model",
        "graph neural network training",
        "lan",
        "diffusion image sort:-relevance",
        "re",
    ],
)
def test_relevance_order_is_score_then_newest_then_paper_id(seeded: Library, text: str) -> None:
    """One stable sort over the newest-first order gives the three-key order: best score first,
    newest first among equal scores, then by paper id; papers holding every word first."""
    import numpy as np

    index = SearchIndex.build(seeded)
    result = index.search(text)
    slots = np.asarray([index.slot_of[p] for p in result.pids], dtype=np.int64)
    scores = np.asarray(result.score_values)
    published = index.cols["published"].view()[slots]
    tier = np.arange(len(slots)) >= result.exact
    order = np.lexsort((np.asarray(result.pids), -published, -scores))
    if result.query.reverse:
        order = order[::-1]
    order = order[np.argsort(tier[order], kind="stable")]
    assert len(result.pids) > 1
    assert [result.pids[i] for i in order.tolist()] == result.pids


@pytest.mark.parametrize(
    "text",
    [
        "model",
        "language model",
        "graph neural network training",
        "lan",
        "re",
        "diffusion image sort:-relevance",
        "year:2024",
    ],
)
def test_a_limited_search_is_the_start_of_the_full_one(seeded: Library, text: str) -> None:
    """With a limit only the best are sorted: the same papers, scores, order and counts as the
    start of the unlimited search."""
    index = SearchIndex.build(seeded)
    full = index.search(text)
    for limit in (1, 3, 10):
        cut = index.search(text, limit=limit)
        assert cut.pids == full.pids[:limit]
        assert cut.score_values == full.score_values[:limit]
        assert (cut.total, cut.exact) == (len(full.pids), min(full.exact, limit))


def test_similar_papers_score_and_order_as_a_full_sort_over_every_candidate(seeded: Library) -> None:
    """Similar papers score over postings and sort only the best: the same scores, bit for bit,
    and the same order (ties by slot) as scoring every candidate and sorting them all."""
    import numpy as np

    from quire.search.similar import QUERY_TERMS, _union

    index = SearchIndex.build(seeded)
    for pid in index.pids[::7]:
        slot = index.slot_of[pid]
        terms = [t for t, _ in index.distinctive_terms(slot, QUERY_TERMS)]
        candidates = _union(index, terms)
        candidates = candidates[candidates != slot]
        if not len(candidates):
            continue
        full = index.bm25.get_batch_scores(terms, candidates)
        assert index.bm25.scores_over_postings(terms)[candidates].tolist() == full.tolist()
        expected = [index.pids[int(candidates[i])] for i in np.argsort(-full, kind="stable")[:5].tolist()]
        assert [n.pid for n in similar_papers(index, pid)] == expected


def test_for_you(seeded: Library) -> None:
    index = SearchIndex.build(seeded)
    assert for_you(index) == []  # nothing bookmarked yet
    seed = index.search("GaLore").pids[0]
    seeded.set_bookmarked([seed], True)
    index.refresh()
    found = for_you(index, limit=10)
    assert found and all(n.near == seed and n.shared for n in found)
    assert seed not in [n.pid for n in found]
    seeded.set_read([found[0].pid], True)
    index.refresh()
    assert found[0].pid not in [n.pid for n in for_you(index, limit=10)]


def test_one_letter_is_not_a_prefix(small: Library) -> None:
    index = SearchIndex.build(small)
    result = index.search("r")
    assert result.pids == [] and result.prefixes == ()
    assert index.search("re").prefixes == ("re",)


def test_refresh_from_several_threads_applies_each_change_once(seeded: Library) -> None:
    """The reader's index, catch-up and sync workers may all call ``refresh`` at once: the
    revision is checked under the index's lock, so one of them catches up and the others find
    nothing left to do (checked outside, each would retire the removed papers again and count
    them as unsaved changes once more)."""
    import threading

    index = SearchIndex.build(seeded)
    unsaved = index.unsaved
    pids = index.search("").pids
    gone, tagged = pids[:20], pids[20:]
    seeded.remove(gone)
    seeded.add_tags(tagged, ["shared"])
    start = threading.Barrier(8)
    moved: list[int] = []

    def catch_up() -> None:
        start.wait()
        moved.append(index.refresh())

    threads = [threading.Thread(target=catch_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(moved) == [0] * 7 + [len(pids)]
    assert index.unsaved == unsaved + len(pids)
    assert index.rev == seeded.current_rev()
    assert sorted(index.search("tag:shared").pids) == sorted(tagged)
    assert index.size == len(tagged)
