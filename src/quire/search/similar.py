"""Similar papers and "for you": BM25 with a paper's (or a reading profile's) distinctive terms."""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

from quire.search.engine import Neighbour, SearchIndex

QUERY_TERMS = 15
PROFILE_TERMS = 30
MAX_SEEDS = 200


def similar_papers(index: SearchIndex, pid: int, limit: int = 5) -> list[Neighbour]:
    """The papers most like ``pid``, each with the distinctive terms they share with it."""
    with index.lock:
        slot = index.slot_of.get(pid)
        if slot is None:
            return []
        weighted = index.distinctive_terms(slot, QUERY_TERMS)
        terms = [t for t, _ in weighted]
        candidates = _union(index, terms)
        candidates = candidates[candidates != slot]
        return _top(index, terms, candidates, limit)


def _union(index: SearchIndex, terms: list[str]) -> npt.NDArray[np.int64]:
    mask = np.zeros(len(index.pids), dtype=bool)
    for term in terms:
        mask[index.bm25.postings(term)[0]] = True
    mask &= index._alive()
    return np.flatnonzero(mask)


def _top(
    index: SearchIndex, terms: list[str], candidates: npt.NDArray[np.int64], limit: int
) -> list[Neighbour]:
    if not len(candidates) or not terms:
        return []
    # Scored over each term's postings (no search of every candidate in every posting list),
    # then only the few best sorted: the order of a full stable sort, ties by slot.
    scores = index.bm25.scores_over_postings(terms)[candidates]
    if len(scores) > limit:
        floor = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        near = np.flatnonzero(scores >= floor)
    else:
        near = np.arange(len(scores))
    best = near[np.argsort(-scores[near], kind="stable")][:limit]
    out = []
    for position in best.tolist():
        slot = int(candidates[position])
        pid = index.pids[slot]
        shared = [t for t in terms if index.bm25.tf_in(t, slot)]
        out.append(Neighbour(pid, float(scores[position]), shared[:6]))
    return out


def for_you(index: SearchIndex, limit: int = 50) -> list[Neighbour]:
    """Unread papers ranked by nearness to the bookmarked and tagged ones, with reasons.

    Empty when nothing is bookmarked or tagged (the UI says how to start).
    """
    with index.lock:
        cols = {k: c.view() for k, c in index.cols.items()}
        alive = index._alive()
        seed_mask = alive & ((cols["bookmarked"] == 1) | (cols["tagged"] == 1))
        seeds = np.flatnonzero(seed_mask)[-MAX_SEEDS:].tolist()
        if not seeds:
            return []
        profile: Counter[str] = Counter()
        seed_terms: dict[int, dict[str, float]] = {}
        for slot in seeds:
            weights = dict(index.distinctive_terms(slot, QUERY_TERMS * 2))
            seed_terms[slot] = weights
            profile.update(weights)
        terms = [t for t, _ in profile.most_common(PROFILE_TERMS)]
        candidates = _union(index, terms)
        keep = (cols["read"][candidates] != 1) & ~seed_mask[candidates]
        found = _top(index, terms, candidates[keep], limit)
        for item in found:
            slot = index.slot_of[item.pid]
            mine = {t for t in terms if index.bm25.tf_in(t, slot)}
            nearest = max(seeds, key=lambda s: sum(w for t, w in seed_terms[s].items() if t in mine))
            item.near = index.pids[nearest]
        return found
