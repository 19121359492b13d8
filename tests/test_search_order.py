"""Search internals made faster, each checked against the plain computation it replaced: clauses
scored over the slots they touch (against arrays over every slot), the relevance order by
unique integer keys (against a stable sort over every slot), the postings' saved buffers
(against one Python call per saved posting)."""

from __future__ import annotations

import io
import subprocess
import sys
from array import array

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from quire.cli import main
from quire.search.bm25 import PostingsBM25
from quire.search.expand import EXACT_BONUS, Lexicon, Planner, Scorer
from quire.search.ordering import IndexOrdering
from quire.search.plan import Word
from quire.search.query import parse_query

Slots = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


class _Newest(IndexOrdering):
    """Only what ``_order_scored`` reads: the newest-first order of the slots."""

    def __init__(self, newest: Slots) -> None:  # no library: nothing else is used
        self._orders = {"date": newest}
        self._date_rank = None


def _reference_order(
    newest: Slots,
    keep: npt.NDArray[np.bool_],
    score_all: Floats,
    partial: npt.NDArray[np.bool_],
    reverse: bool,
) -> tuple[Slots, Floats]:
    """The order before keys: one stable sort by score of the kept slots in newest-first
    order, reversed for ``sort:-relevance``, then full matches before partial ones."""
    slots = newest[keep[newest]]
    scores = score_all[slots]
    order = np.argsort(-scores, kind="stable")
    if reverse:
        order = order[::-1]
    tier = partial[slots][order]
    order = np.concatenate([order[~tier], order[tier]])
    return slots[order], scores[order]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            st.permutations(list(range(n))),
            st.lists(st.sampled_from([0.0, 0.5, 1.25, 1.25000001, 2.0, 7.5]), min_size=n, max_size=n),
            st.lists(st.booleans(), min_size=n, max_size=n),
            st.lists(st.booleans(), min_size=n, max_size=n),
        )
    ),
    st.booleans(),
    st.sampled_from([None, 1, 2, 5, 100]),
)
def test_keyed_relevance_order_is_the_stable_sort_over_newest_first(
    case: tuple[list[int], list[float], list[bool], list[bool]], reverse: bool, limit: int | None
) -> None:
    """Many equal scores (ties broken by the newest-first position), both tiers, reversed, and
    limits: the keyed order is the stable sort's, and a limit gives its start."""
    newest_list, score_list, keep_list, partial_list = case
    newest = np.asarray(newest_list, dtype=np.int64)
    score_all = np.asarray(score_list)
    keep = np.asarray(keep_list)
    partial = np.asarray(partial_list) & keep
    want_slots, want_scores = _reference_order(newest, keep, score_all, partial, reverse)
    held = np.flatnonzero(keep)
    got_slots, got_scores = _Newest(newest)._order_scored(
        held, score_all[held], partial[held], reverse, limit
    )
    cut = limit or len(want_slots)
    assert got_slots.tolist() == want_slots[:cut].tolist()
    assert got_scores.tolist() == want_scores[:cut].tolist()


def test_keyed_order_follows_a_new_date_order() -> None:
    """The slots' positions are worked out again when the date order changes (a refresh)."""
    index = _Newest(np.asarray([0, 1, 2], dtype=np.int64))
    held = np.arange(3, dtype=np.int64)
    equal = np.ones(3)
    no = np.zeros(3, dtype=bool)
    assert index._order_scored(held, equal, no, False)[0].tolist() == [0, 1, 2]
    index._orders["date"] = np.asarray([2, 0, 1], dtype=np.int64)
    assert index._order_scored(held, equal, no, False)[0].tolist() == [2, 0, 1]


def _with_buffers() -> PostingsBM25:
    """Postings with a sorted block and, after it, documents waiting in per-term buffers."""
    bm25 = PostingsBM25([["common", f"w{i % 7}", "common"] for i in range(400)])
    bm25.add_documents([["common", "late"], ["w3", "late", "late"], ["fresh"]])
    bm25.refresh_idf()
    assert bm25.buffers and not bm25.staged
    return bm25


def test_saved_buffers_come_back_term_by_term() -> None:
    """Pending postings saved with the index load into the same per-term buffers (and score
    the same) as the one-posting-at-a-time loop they replaced."""
    bm25 = _with_buffers()
    arrays, scalars = bm25.to_arrays()
    flat = {name: np.concatenate(parts) for name, parts in arrays.items()}
    loaded = PostingsBM25.from_arrays(flat, scalars)
    assert {t: (list(d), list(f)) for t, (d, f) in loaded.buffers.items()} == {
        t: (list(d), list(f)) for t, (d, f) in bm25.buffers.items()
    }
    assert loaded.buffered == bm25.buffered
    for query in (["common"], ["late", "w3"], ["fresh", "common"]):
        assert loaded.get_scores(query).tolist() == bm25.get_scores(query).tolist()


def test_saved_buffers_out_of_term_order_keep_each_terms_order() -> None:
    """A file whose pending postings are not grouped by term (never written so, but read
    anyway) gives what the per-posting loop gave: each term's postings in file order."""
    bm25 = _with_buffers()
    arrays, scalars = bm25.to_arrays()
    flat = {name: np.concatenate(parts) for name, parts in arrays.items()}
    shuffle = np.random.default_rng(7).permutation(len(flat["bm25_pending_tids"]))
    for name in ("bm25_pending_tids", "bm25_pending_docs", "bm25_pending_tfs"):
        flat[name] = flat[name][shuffle]
    want: dict[int, tuple[array[int], array[int]]] = {}
    for tid, slot, tf in zip(
        flat["bm25_pending_tids"].tolist(),
        flat["bm25_pending_docs"].tolist(),
        flat["bm25_pending_tfs"].tolist(),
        strict=True,
    ):
        docs, freqs = want.setdefault(tid, (array("I"), array("H")))
        docs.append(slot)
        freqs.append(tf)
    loaded = PostingsBM25.from_arrays(flat, scalars)
    assert loaded.buffers == want


def test_length_norm_follows_the_corpus() -> None:
    """The cached length normalisation is worked out again after documents come and go."""

    def fresh(bm25: PostingsBM25) -> list[float]:
        lengths = np.asarray(bm25.lengths.view(), dtype=np.float64)
        norm: Floats = bm25.k1 * (1 - bm25.b + bm25.b * lengths / bm25.avgdl)
        values: list[float] = norm.tolist()
        return values

    bm25 = PostingsBM25([["a", "b"], ["a"], ["c", "c", "c"]])
    assert bm25.length_norm().tolist() == fresh(bm25)
    bm25.add_documents([["a"] * 9])
    assert bm25.length_norm().tolist() == fresh(bm25)
    bm25.retire(3)
    assert bm25.length_norm().tolist() == fresh(bm25)


def _reference_word(scorer: Scorer, word: Word) -> tuple[npt.NDArray[np.bool_], Floats]:
    """A word's mask and scores as arrays over every slot (the computation before word_slots)."""
    score = np.zeros(scorer.n)
    mask = np.zeros(scorer.n, dtype=bool)
    exact_slots, exact = scorer.bm25_of(word.exact)
    if word.forms:
        group_slots, group = scorer.bm25_of(word.exact + word.forms)
        score[group_slots] = group
        score[exact_slots] += EXACT_BONUS * exact
        mask[group_slots] = True
    else:
        score[exact_slots] = (1 + EXACT_BONUS) * exact
        mask[exact_slots] = True
    if word.prefixed:
        for term in word.prefixed:
            mask[scorer.bm25.postings(term)[0]] = True
        mask &= scorer.alive
        for term in scorer._most_common(word.prefixed):
            slots, values = scorer.bm25_of((term,))
            score[slots] = np.maximum(score[slots], values)
    return mask, score


# Words sharing stems (learn/learning/learned), an acronym the corpus defines, and rare words.
WORDS = [
    "learn",
    "learning",
    "learned",
    "graph",
    "graphs",
    "model",
    "models",
    "rl",
    "net",
    "nets",
    "reinforcement",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=25),
    st.lists(
        st.sampled_from(
            [*WORDS, "reinforcement learning", "lea", "gra", "mod", "lerning", '"graph model"', "rl OR net"]
        ),
        min_size=1,
        max_size=4,
    ),
    st.sets(st.integers(0, 24), max_size=5),
)
def test_clauses_over_their_slots_score_as_over_every_slot(
    corpus: list[list[str]], words: list[str], retired: set[int]
) -> None:
    """Stems, prefixes, typos, phrases, OR and retired papers: each clause's slots, holds and
    scores equal the arrays over every slot, bit for bit, and zero everywhere else."""
    bm25 = PostingsBM25(corpus)
    for slot in sorted(retired):
        if slot < len(corpus):
            bm25.retire(slot)
    bm25.refresh_idf()
    lexicon = Lexicon()
    lexicon.update(bm25.terms)
    lexicon.acronyms.learn("We use reinforcement learning (RL) on graphs.")
    vocab = sorted(t for t in bm25.terms if bm25.df[bm25.vocab[t]] > 0)

    def expand(prefix: str) -> list[str]:
        return [prefix, *(t for t in vocab if t.startswith(prefix) and t != prefix)]

    plan = Planner(lexicon, bm25, expand).plan(parse_query(" ".join(words)))
    for word, _ in plan.words():
        want_mask, want_score = _reference_word(Scorer(bm25, bm25.alive_mask()), word)
        slots, scores = Scorer(bm25, bm25.alive_mask()).word_slots(word)
        assert slots.tolist() == np.flatnonzero(want_mask).tolist()
        assert scores.tolist() == want_score[slots].tolist()
        assert not want_score[~want_mask].any()
    for clause in plan.clauses:
        dense = Scorer(bm25, bm25.alive_mask())
        mask, score = dense.clause(clause)
        slots, holds, scores = Scorer(bm25, bm25.alive_mask()).clause_slots(clause)
        assert slots.tolist() == sorted(set(slots.tolist()))
        assert holds.tolist() == mask[slots].tolist()
        assert scores.tolist() == score[slots].tolist()
        outside = np.ones(len(mask), dtype=bool)
        outside[slots] = False
        assert not mask[outside].any() and not score[outside].any()


def test_a_plain_list_never_loads_the_engine() -> None:
    """``quire list`` shows the first rows from SQL alone: numpy and the engine (a third of its
    start at a million papers) are never imported, though it hands back a ``SearchResult``."""
    assert main(["import", "--sample"], out=io.StringIO(), err=io.StringIO()) == 0
    probe = (
        "import io, sys\n"
        "from quire.cli import main\n"
        "out = io.StringIO()\n"
        "assert main(['list', '--limit', '2'], out=out, err=io.StringIO()) == 0\n"
        "assert len(out.getvalue().splitlines()) == 2, out.getvalue()\n"
        "print(sorted(m for m in ('numpy', 'quire.search.engine') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
