"""Snapshot import speed with TeX in the records, against the same records without it.

Run: python benchmarks/bench_tex_import.py [--size 20000] [--share 0.4]
Real snapshot text carries TeX: accents in names (``Koll\\'ar``), math in abstracts
(``$\\mathcal{N}=4$``), ``\\%``, ``\\emph{…}``. A ``share`` of the generated records gets such
markup in its title, abstract and authors; the rest stay plain. Both files are imported in fresh
child processes, so the ratio shows what decoding costs (figures are papers/s). On a shared
machine the wall clock depends on the neighbours; papers per CPU second of the importing process
depend on them much less, so both are printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ACCENTED = [
    "Koll\\'ar",
    'Gr\\"obner',
    "Djokovi\\'{c}",
    'M{\\"u}ller',
    "{\\L}ukasz",
    "Erd\\H{o}s",
    "Ga{\\ss}",
    "Fran\\c{c}ois",
    "\\v{S}koda",
    "Garc\\'ia",
]
SENTENCES = [
    "We prove the bound for $n \\geq 3$ and $\\mathcal{N}=4$ theories.",
    "Following Koll\\'ar, the \\emph{log canonical} case reduces to 10\\% of the work.",
    'The Gr\\"obner basis of $I \\subset k[x_1,\\dots,x_n]$ is computed in $O(n^2)$.',
]


def child(snapshot: Path, data: Path) -> None:
    """Import one file and print the time it took (runs in its own process)."""
    from quire.importers import import_path
    from quire.store import Library

    library = Library(data / "library.sqlite3")
    started, cpu = time.perf_counter(), time.process_time()
    summary = import_path(library, snapshot)
    print(
        json.dumps(
            {
                "added": summary.added,
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
            }
        )
    )


def with_tex(line: str, rng: random.Random) -> str:
    """One generated snapshot line with TeX added to its title, abstract and authors."""
    record = json.loads(line)
    record["title"] = f"{rng.choice(ACCENTED)}'s {record['title']}"
    record["abstract"] = f"{record['abstract']} {rng.choice(SENTENCES)}"
    parsed = record["authors_parsed"]
    parsed[0][0] = rng.choice(ACCENTED)
    record["authors"] = ", ".join(f"{first} {last}" for last, first, _ in parsed)
    return json.dumps(record, ensure_ascii=False)


def main() -> None:
    """Write a plain and a TeX-bearing snapshot of the same records; import each; print figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--share", type=float, default=0.4)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    sys.path.insert(0, str(HERE))
    from generate import measure_in_child, snapshot_lines

    OUT.mkdir(exist_ok=True)
    rng = random.Random(11)
    plain_path = OUT / f"tex-plain-{args.size}.jsonl"
    tex_path = OUT / f"tex-{args.share:.2f}-{args.size}.jsonl"
    with plain_path.open("w", encoding="utf-8") as plain, tex_path.open("w", encoding="utf-8") as tex:
        for line in snapshot_lines(args.size):
            plain.write(line + "\n")
            tex.write((with_tex(line, rng) if rng.random() < args.share else line) + "\n")
    print(f"{'file':>22} {'papers':>8} {'seconds':>8} {'papers/s':>9} {'per CPU s':>10}")
    rates = []
    for label, path in (("plain", plain_path), (f"TeX in {args.share:.0%}", tex_path)):
        row = measure_in_child(__file__, path)
        rates.append((row["added"] / row["seconds"], row["added"] / row["cpu_seconds"]))
        print(
            f"{label:>22} {row['added']:>8} {row['seconds']:>8.2f} {rates[-1][0]:>9.0f} {rates[-1][1]:>10.0f}"
        )
    print(
        f"{'TeX / plain':>22} {'':>8} {'':>8} {rates[1][0] / rates[0][0]:>9.2f} "
        f"{rates[1][1] / rates[0][1]:>10.2f}"
    )


if __name__ == "__main__":
    main()
