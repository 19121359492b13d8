"""Why a paper ranked where it did: each query word, how it matched, where, and its BM25 share."""

from __future__ import annotations

from dataclasses import dataclass, field

from quire.models import Paper
from quire.search.engine import SearchIndex, SearchResult
from quire.search.plan import Variant, Word
from quire.search.tokenizer import index_terms


@dataclass
class WordMatch:
    """How one query word (or one reading of it) matched the paper."""

    word: str  # as the query holds it
    how: str  # exact, stem, prefix, typo for …, acronym …
    terms: list[str]  # the index terms it matched in this paper
    fields: dict[str, list[str]]  # field → those terms found there
    score: float  # its share of the paper's BM25 score


@dataclass
class Explanation:
    """Why one paper is in a result."""

    pid: int
    title: str
    score: float
    every_word: bool  # holds every word (else listed as "also relevant")
    words: list[WordMatch] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # query words the paper does not hold

    def lines(self) -> list[str]:
        """The explanation as plain text lines."""
        tier = "holds every word" if self.every_word else "also relevant (not every word)"
        out = [f"score {self.score:.3f} · {tier}"]
        for match in self.words:
            where = "; ".join(f"{name}: {', '.join(terms)}" for name, terms in match.fields.items())
            out.append(
                f"  {match.word}: {match.how} → {', '.join(match.terms)}"
                f" (+{match.score:.3f}){' in ' + where if where else ''}"
            )
        if self.missing:
            out.append(f"  not in this paper: {', '.join(self.missing)}")
        return out


def _fields(paper: Paper) -> dict[str, set[str]]:
    """The index terms of each field of a paper, as the index saw them."""
    texts = {
        "title": paper.title,
        "abstract": paper.abstract or "",
        "authors": " ".join(paper.authors),
        "organisation": f"{paper.org_name or ''} {paper.org_handle or ''}",
        "tags": " ".join(paper.annotation.tags),
        "note": paper.annotation.note or "",
    }
    return {name: set(index_terms(text)) for name, text in texts.items() if text.strip()}


def _how(word: Word, variant: Variant, held: list[str]) -> str:
    if variant.acronym:
        return f"acronym ({variant.acronym})"
    if word.typo:
        return f"typo for {' or '.join(word.exact)}"
    kinds = []
    if any(t in word.exact for t in held):
        kinds.append("exact")
    if any(t in word.forms for t in held):
        kinds.append("stem")
    if any(t in word.prefixed for t in held):
        kinds.append("prefix")
    return " + ".join(kinds)


def explain(index: SearchIndex, result: SearchResult, papers: list[Paper]) -> list[Explanation]:
    """Explain each of ``papers`` (in ``result``) against the result's query."""
    position = {pid: i for i, pid in enumerate(result.pids)}
    out = []
    with index.lock:
        scorer = index.scorer()
        for paper in papers:
            slot = index.slot_of.get(paper.pid)
            if slot is None:
                continue
            at = position.get(paper.pid)
            every = at is None or at < result.exact
            fields = _fields(paper)
            explanation = Explanation(paper.pid, paper.title, result.scores.get(paper.pid, 0.0), every)
            for clause in result.plan.clauses:
                found = False
                for variants in clause:
                    # An alternative scores as its best reading that the paper holds whole.
                    held_whole = [v for v in variants if all(scorer.word(w)[0][slot] for w in v.words)]
                    if not held_whole:
                        continue
                    found = True
                    best = max(held_whole, key=lambda v: float(scorer.variant(v)[1][slot]))
                    for word in best.words:
                        held = [t for t in word.terms if index.bm25.tf_in(t, slot)]
                        where = {name: [t for t in held if t in terms] for name, terms in fields.items()}
                        explanation.words.append(
                            WordMatch(
                                word.asked,
                                _how(word, best, held),
                                held,
                                {k: v for k, v in where.items() if v},
                                float(scorer.word(word)[1][slot]) * best.weight,
                            )
                        )
                if not found:
                    explanation.missing.append(" ".join(w.asked for w in clause[0][0].words))
            out.append(explanation)
    return out
