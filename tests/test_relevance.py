"""Relevance on the real seed library: queries written the way a person remembers a paper."""

from __future__ import annotations

import pytest

from quire.search import SearchIndex
from quire.store import Library

# (what a person types, a distinctive part of the title of the paper they mean)
QUERIES = [
 ("linux kernel configuration tuning with an RL agent", "OS-R1"),
 ("AI feedback makes assistant harmless without human labels", "Constitutional AI"),
 ("generate charts for rhythm games from music", "Rhythm-Game"),
 ("attention picks positions of the input as output for variable size dictionaries", "Pointer Networks"),
 ("detecting machine generated text with contrastive learning", "DeTeCtive"),
 ("rephrase web documents like wikipedia for cheaper pretraining", "Rephrasing the Web"),
 ("choose solver parameters over a sequence of linear systems", "Learning to Relax"),
 ("segment lecture videos into topics using audio and visual cues", "Audio-Visual Lecture Segmentation"),
 ("trust simulator dynamics gap offline online RL", "When to Trust Your Simulator"),
 ("ERNIE ranking in a web search engine", "Pre-trained Language Model based Ranking in Baidu Search"),
 ("learning rate schedule from theory, last iterate, linear decay", "When, Why and How Much"),
 ("weak supervisor eliciting capabilities of a strong model", "Weak-to-Strong"),
 ("how induction heads form for in-context learning", "What needs to go right for an induction head"),
 ("grokking explained by representation learning theory", "Towards Understanding Grokking"),
 ("million token video and language model ring attention", "World Model on Million-Length Video"),
 ("switching low rank adapters to learn full rank", "SwitchLoRA"),
 ("spend test-time compute instead of scaling parameters", "Scaling LLM Test-Time Compute Optimally"),
 ("memory efficient full training by projecting gradients to low rank", "GaLore"),
 ("large batch training generalization gap, just train longer", "Train longer, generalize better"),
 ("merging fine-tuned models with a dynamic router over modular expertise", "Twin-Merging"),
 ("drop training data progressively to train faster", "Progressive Data Dropout"),
 ("simulating visuotactile sensors for robot learning", "TacSL"),
 ("insect sounds dataset for acoustic identification", "ECOSoundSet"),
 ("many BERT checkpoints with different seeds", "The MultiBERTs"),
 ("rank of self-supervised embeddings predicts downstream performance", "RankMe"),
 ("teaching addition and multiplication to small transformers", "Teaching Arithmetic"),
]


def rank_of(index: SearchIndex, library: Library, query: str, wanted: str) -> int | None:
    result = index.search(query, limit=20)
    for position, paper in enumerate(library.get_papers(result.pids), start=1):
        if wanted.casefold() in paper.title.casefold():
            return position
    return None


def test_relevance_on_seed_library(seeded: Library, capsys: pytest.CaptureFixture[str]) -> None:
    index = SearchIndex.build(seeded)
    ranks = {q: rank_of(index, seeded, q, wanted) for q, wanted in QUERIES}
    reciprocal = [1 / r if r else 0.0 for r in ranks.values()]
    mrr = sum(reciprocal) / len(reciprocal)
    in_top3 = sum(1 for r in ranks.values() if r is not None and r <= 3)
    with capsys.disabled():
        print(f"\nrelevance: {len(QUERIES)} queries, {in_top3} in top 3, MRR {mrr:.3f}")
        for query, rank in ranks.items():
            if rank != 1:
                print(f"  rank {rank}: {query}")
    assert in_top3 >= len(QUERIES) - 2, ranks
    assert mrr >= 0.8
