"""From query words to the index terms that satisfy them, and their BM25 over the library.

Each word of a query is read generously, and each reading scores below the word as typed:

- **stems**: the vocabulary grouped by Snowball stem, so ``explore`` also matches papers that
  say ``exploration``; BM25 counts the group as one term, and a paper holding the word as
  typed gets ``EXACT_BONUS`` more;
- **prefixes**: the last word while typing also matches the words it starts;
- **acronyms** learned from the library: ``RL`` also matches "reinforcement learning" and the
  other way round, at ``ACRONYM_WEIGHT``;
- **typos**: a word no paper holds is read as its nearest words (``TypoCorrector``).

Each term is scored over its postings only; a word's score is then one dense array over the
slots, so clauses combine with vectorised AND/OR and sums.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from quire.search.acronyms import AcronymTable
from quire.search.plan import Plan, Variant, Word
from quire.search.query import Alternative, Query
from quire.search.stem_groups import SavedStems, group_arrays
from quire.search.tokenizer import stem
from quire.search.typos import TypoCorrector

if TYPE_CHECKING:
    from quire.search.bm25 import PostingsBM25

EXACT_BONUS = 0.25  # a paper holding the word as typed scores this share more than a stem match
ACRONYM_WEIGHT = 0.7  # an acronym's expansion (or the acronym of a long form) scores this much
SCORED_EXPANSIONS = 8  # a prefix matches all its expansions but scores by the commonest
MIN_PREFIX = 2  # shortest word that also matches as a prefix
Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
Slots = npt.NDArray[np.int64]


class Lexicon:
    """What the index knows about its words: stem groups, acronyms, a typo corrector.

    Kept current by ``update`` in the index's refresh (in a worker), so no keystroke pays for it.
    """

    def __init__(self) -> None:
        self.saved: SavedStems | None = None  # the groups the saved index came with
        self.stems: dict[str, list[str]] = {}  # groups of the terms grouped here (not saved)
        self.vocabulary: list[str] = []
        self.acronyms = AcronymTable()
        self.typos = TypoCorrector()
        self._seen = 0  # vocabulary terms already grouped

    def adopt(self, saved: SavedStems, vocabulary: list[str]) -> None:
        """Take a saved index's stem groups for its first terms: nothing is stemmed again."""
        self.saved = saved
        self.vocabulary = vocabulary
        self.typos.add(vocabulary[: saved.covered])
        self._seen = saved.covered

    def update(self, vocabulary: list[str]) -> None:
        """Group the terms added to the vocabulary since the last update (ids only grow)."""
        self.vocabulary = vocabulary
        new = vocabulary[self._seen :]
        for term in new:
            self.stems.setdefault(stem(term), []).append(term)
        self.typos.add(new)
        self._seen = len(vocabulary)

    def stem_arrays(self, vocab: Mapping[str, int]) -> dict[str, npt.NDArray[np.generic]]:
        """Every group as arrays, to be saved with the index (``quire.search.stem_groups``)."""
        return group_arrays(self.saved, self.stems, vocab)

    def forms(self, term: str) -> tuple[str, ...]:
        """Other vocabulary words sharing ``term``'s stem."""
        key = stem(term)
        group = self.saved.group(key, self.vocabulary) if self.saved is not None else []
        return tuple(t for t in (*group, *self.stems.get(key, ())) if t != term)


class Planner:
    """Builds the ``Plan`` of a query against one index's vocabulary."""

    def __init__(
        self, lexicon: Lexicon, bm25: PostingsBM25, expand_prefix: Callable[[str], list[str]]
    ) -> None:
        self.lexicon = lexicon
        self.bm25 = bm25
        self.expand_prefix = expand_prefix

    def papers_holding(self, term: str) -> int:
        """How many live papers hold ``term``."""
        tid = self.bm25.vocab.get(term)
        return int(self.bm25.df[tid]) if tid is not None and tid < len(self.bm25.df) else 0

    def plan(self, query: Query, correct: bool = True) -> Plan:
        """Read every clause of ``query``; ``correct`` replaces words no paper holds."""
        plan = Plan()
        prefixes: list[str] = []
        for clause in query.clauses:
            readings = []
            for alt in clause:
                words = tuple(self._word(alt, i, plan, correct) for i in range(len(alt.terms)))
                variants = [Variant(words)]
                if alt.prefix and len(alt.terms[-1]) >= MIN_PREFIX:
                    prefixes.append(alt.terms[-1])
                if len(words) == 1 and not alt.phrase:
                    variants += self._long_forms(alt.terms[0], plan)
                readings.append(variants)
            plan.clauses.append(readings)
        self._short_forms(plan)
        plan.prefixes = tuple(prefixes)
        return plan

    def _word(self, alt: Alternative, position: int, plan: Plan, correct: bool) -> Word:
        term = alt.terms[position]
        if alt.phrase:
            return Word(term, (term,))
        forms = self.lexicon.forms(term)
        prefixed: tuple[str, ...] = ()
        if alt.prefix and position == len(alt.terms) - 1 and len(term) >= MIN_PREFIX:
            taken = {term, *forms}
            prefixed = tuple(t for t in self.expand_prefix(term) if t not in taken)
        word = Word(term, (term,), forms, prefixed)
        if correct and not any(map(self.papers_holding, word.terms)):
            nearest = self.lexicon.typos.nearest(term, self.papers_holding)
            if nearest:
                plan.corrections[term] = tuple(nearest)
                forms = tuple(
                    dict.fromkeys(f for n in nearest for f in self.lexicon.forms(n) if f not in nearest)
                )
                return Word(term, tuple(nearest), forms, typo=True)
        return word

    def _long_forms(self, term: str, plan: Plan) -> list[Variant]:
        """Readings of an acronym through the long forms the library defines for it."""
        variants = []
        for long_form in self.lexicon.acronyms.long_forms(term):
            words = tuple(Word(t, (t,), self.lexicon.forms(t)) for t in long_form)
            # Scored as the mean of its words, so a long form counts as one word would.
            variants.append(
                Variant(
                    words, ACRONYM_WEIGHT / len(words), f"{term} = {' '.join(long_form)}", must_match=True
                )
            )
            plan.acronyms.append(f"{term} = {' '.join(long_form)}")
        return variants

    def _short_forms(self, plan: Plan) -> None:
        """Runs of plain words spelling a known long form also match its acronym."""
        longest = self.lexicon.acronyms.longest_long_form()
        if longest < 2:
            return
        clauses = plan.clauses
        i = 0
        while i < len(clauses):
            for width in range(min(longest, len(clauses) - i), 1, -1):
                span = clauses[i : i + width]
                if not all(
                    len(c) == 1 and len(c[0][0].words) == 1 and not c[0][0].words[0].typo for c in span
                ):
                    continue
                terms = tuple(c[0][0].words[0].asked for c in span)
                short = self.lexicon.acronyms.short_form(terms)
                if short is None or not self.papers_holding(short):
                    continue
                together = Variant(tuple(c[0][0].words[0] for c in span))
                via = Variant(
                    (Word(short, (short,), self.lexicon.forms(short)),),
                    ACRONYM_WEIGHT * width,
                    f"{' '.join(terms)} = {short}",
                    must_match=True,
                )
                plan.acronyms.append(via.acronym)
                clauses[i : i + width] = [[[together, via]]]
                break
            i += 1


class Scorer:
    """Masks and BM25 scores of readings over every slot (rank-bm25's formula and idf rule)."""

    def __init__(self, bm25: PostingsBM25, alive: Mask) -> None:
        self.bm25 = bm25
        self.alive = alive
        self.n = len(alive)
        self.norm = bm25.length_norm()
        self.all_alive = bm25.live_docs == self.n
        self._held: dict[tuple[str, ...], tuple[Slots, Floats]] = {}
        self._words: dict[Word, tuple[Mask, Floats]] = {}

    def held(self, terms: tuple[str, ...]) -> tuple[Slots, Floats]:
        """Live slots holding any of ``terms`` (ascending) and how often they occur there."""
        cached = self._held.get(terms)
        if cached is not None:
            return cached
        bm25 = self.bm25
        tids = [bm25.vocab.get(t) for t in terms]
        # Views of the postings (no copies); slots come back as int64.
        parts = [bm25._postings_of(tid) for tid in tids if tid is not None]
        parts = [p for p in parts if len(p[0])]
        if not parts:
            found: tuple[Slots, Floats] = (np.zeros(0, np.int64), np.zeros(0))
        elif len(parts) == 1:
            docs, tfs = parts[0]
            if self.all_alive:  # no paper retired yet (a fresh build): nothing to drop
                found = (docs.astype(np.int64), tfs.astype(np.float64))
            else:
                live = self.alive[docs]
                found = (docs[live].astype(np.int64), tfs[live].astype(np.float64))
        else:
            # One counting pass (no sort): the word's forms summed per slot.
            docs = np.concatenate([p[0] for p in parts])
            tfs = np.concatenate([p[1] for p in parts]).astype(np.float64)
            summed = np.bincount(docs, weights=tfs, minlength=self.n)
            # Over a bool array: numpy's nonzero is several times slower over floats (5 ms
            # against 1 ms at a million papers).
            held = np.flatnonzero(summed > 0)
            held = held[self.alive[held]]
            found = (held.astype(np.int64, copy=False), summed[held].astype(np.float64, copy=False))
        self._held[terms] = found
        return found

    def idf(self, papers: int) -> float:
        """rank-bm25's idf for a term ``papers`` papers hold (negative values floored)."""
        total = self.bm25.corpus_size
        value = float(np.log(total - papers + 0.5) - np.log(papers + 0.5))
        return value if value >= 0 else self.bm25.epsilon * self.bm25.average_idf

    def bm25_of(self, terms: tuple[str, ...]) -> tuple[Slots, Floats]:
        """BM25 of ``terms`` counted as one term (a word and its forms): slots and scores."""
        slots, tf = self.held(terms)
        if not len(slots):
            return slots, tf
        # idf * tf * (k1 + 1) / (tf + norm), worked in place: the same operations in the same
        # order (the same bits), without four temporaries as long as the postings.
        score = self.idf(len(slots)) * tf
        score *= self.bm25.k1 + 1
        denominator = self.norm[slots]
        denominator += tf
        score /= denominator
        return slots, score

    def word(self, word: Word) -> tuple[Mask, Floats]:
        """Which slots hold the word, and its score in each."""
        cached = self._words.get(word)
        if cached is not None:
            return cached
        score: Floats = np.zeros(self.n)
        mask: Mask = np.zeros(self.n, dtype=bool)
        slots, values = self._plain_word(word)
        score[slots] = values
        mask[slots] = True
        if word.prefixed:
            bm25 = self.bm25
            for term in word.prefixed:  # matching needs no sums: just mark the slots
                tid = bm25.vocab.get(term)
                if tid is not None:
                    mask[bm25._postings_of(tid)[0]] = True
            mask &= self.alive
            for term in self._most_common(word.prefixed):
                slots, values = self.bm25_of((term,))
                score[slots] = np.maximum(score[slots], values)
        self._words[word] = (mask, score)
        return mask, score

    def word_slots(self, word: Word) -> tuple[Slots, Floats]:
        """The slots holding the word (ascending) and its score in each: what ``word`` gives
        without an array over every slot (a prefix, matching many words, still builds one)."""
        if word.prefixed:
            mask, score = self.word(word)
            slots = np.flatnonzero(mask)
            return slots, score[slots]
        return self._plain_word(word)

    def _plain_word(self, word: Word) -> tuple[Slots, Floats]:
        """The word and its forms, as typed scoring ``EXACT_BONUS`` more (prefixes aside)."""
        exact_slots, exact = self.bm25_of(word.exact)
        if not word.forms:
            return exact_slots, (1 + EXACT_BONUS) * exact
        group_slots, group = self.bm25_of(word.exact + word.forms)
        scores = group.copy()
        # The slots holding the word as typed are a subsequence of the group's (both
        # ascending): marked over the slots and picked out in one pass (a binary search per
        # slot took 24 ms for half a million at a million papers).
        typed = np.zeros(self.n, dtype=bool)
        typed[exact_slots] = True
        scores[typed[group_slots]] += EXACT_BONUS * exact
        return group_slots, scores

    def _most_common(self, terms: tuple[str, ...]) -> list[str]:
        if len(terms) <= SCORED_EXPANSIONS:
            return list(terms)
        df, vocab = self.bm25.df, self.bm25.vocab
        return sorted(terms, key=lambda t: -int(df[vocab[t]]))[:SCORED_EXPANSIONS]

    def variant(self, variant: Variant) -> tuple[Mask, Floats]:
        """Slots holding every word of a reading, and its score."""
        if len(variant.words) == 1 and variant.weight == 1.0:
            return self.word(variant.words[0])  # the common case: no copies
        mask: Mask = self.alive.copy()
        score: Floats = np.zeros(self.n)
        for word in variant.words:
            word_mask, word_score = self.word(word)
            mask &= word_mask
            score = score + word_score
        score = score * variant.weight
        if variant.must_match:
            score[~mask] = 0.0
        return mask, score

    def clause_slots(self, readings: list[list[Variant]]) -> tuple[Slots, Mask, Floats]:
        """``clause`` restricted to the slots where it holds or scores: those slots
        (ascending), whether it holds in each, and its score there. A clause of one plain word
        (most clauses) never builds an array over every slot."""
        if len(readings) == 1 and len(readings[0]) == 1:
            variant = readings[0][0]
            if len(variant.words) == 1 and variant.weight == 1.0:
                slots, scores = self.word_slots(variant.words[0])
                return slots, np.ones(len(slots), dtype=bool), scores
        mask, score = self.clause(readings)
        slots = np.flatnonzero(mask | (score != 0))
        return slots, mask[slots], score[slots]

    def clause(self, readings: list[list[Variant]]) -> tuple[Mask, Floats]:
        """Slots satisfying a clause (any alternative), and its score (alternatives add up)."""
        if len(readings) == 1 and len(readings[0]) == 1:
            return self.variant(readings[0][0])
        mask: Mask = np.zeros(self.n, dtype=bool)
        score: Floats = np.zeros(self.n)
        for variants in readings:
            best: Floats | None = None
            for variant in variants:
                variant_mask, variant_score = self.variant(variant)
                mask |= variant_mask
                best = variant_score if best is None else np.maximum(best, variant_score)
            if best is not None:
                score += best
        return mask, score
