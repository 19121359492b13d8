"""``quire add``: fetch single papers by arXiv id or Hugging Face / arXiv URL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from quire.config import Config
from quire.models import ImportSummary, split_arxiv_version
from quire.store import Library
from quire.sync.arxiv_feed import ARXIV_LANE, parse_arxiv
from quire.sync.hf_daily import parse_hf
from quire.sync.http import Fetcher, FetchError

_HF_PAPER = re.compile(r"^/papers/([^/?#]+)/?$")


def parse_paper_ref(text: str) -> str:
    """The arXiv id (no version) an argument names; ``ValueError`` saying why if it names none.

    Accepts ``2401.01234``, ``2401.01234v2``, ``arXiv:2401.01234``, ``hep-th/9901001``,
    ``https://arxiv.org/abs/…`` (or ``/pdf/…``) and ``https://huggingface.co/papers/…``.
    """
    raw = text.strip()
    candidate = raw
    if raw.startswith(("http://", "https://")):
        parts = urlsplit(raw)
        host = parts.hostname or ""
        match = _HF_PAPER.match(parts.path)
        if host.endswith("huggingface.co") and match:
            candidate = match.group(1)
        elif not host.endswith("arxiv.org"):
            raise ValueError(f"{text!r}: not an arXiv or Hugging Face paper URL")
    parsed = split_arxiv_version(candidate)
    if parsed is None:
        raise ValueError(f"{text!r}: not an arXiv id (like 2401.01234 or hep-th/9901001)")
    return parsed[0]


@dataclass
class AddReport:
    """What ``quire add`` did."""

    summary: ImportSummary = field(default_factory=lambda: ImportSummary(path="add", format=""))
    new_pids: list[int] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def add_papers(library: Library, config: Config, ids: Sequence[str], fetcher: Fetcher) -> AddReport:
    """Fetch each paper from Hugging Face (richer: upvotes, organisation), else from arXiv.

    ``ids`` must already be validated arXiv ids (see ``parse_paper_ref``); they are quoted into
    URLs all the same.
    """
    report = AddReport()
    from_arxiv: list[str] = []
    hf_errors: dict[str, str] = {}
    for arxiv_id in ids:
        url = f"{config.hf_api_url}/api/papers/{quote(arxiv_id, safe='')}"
        try:
            page = fetcher.get(url)
        except FetchError as error:
            # Not on Hugging Face (404), or Hugging Face unreachable: arXiv has every paper.
            if error.status != 404:
                hf_errors[arxiv_id] = str(error)
            from_arxiv.append(arxiv_id)
            continue
        try:
            records, _skipped = parse_hf(page, require_list=False)
        except FetchError as error:
            hf_errors[arxiv_id] = str(error)
            records = []
        if not records:
            from_arxiv.append(arxiv_id)
            continue
        report.new_pids += library.import_page(records, report.summary, "hf-json")
    if from_arxiv:
        url = f"{config.arxiv_api_url}/api/query"
        try:
            page = fetcher.get(
                url, {"id_list": ",".join(from_arxiv), "max_results": len(from_arxiv)}, lane=ARXIV_LANE
            )
            records, _skipped = parse_arxiv(page)
        except FetchError as error:
            # Neither source answered: say why for both.
            report.errors += [hf_errors[i] for i in from_arxiv if i in hf_errors]
            report.errors.append(str(error))
            return report
        found = {r.arxiv_id for r in records}
        report.missing += [i for i in from_arxiv if i not in found]
        if records:
            report.new_pids += library.import_page(records, report.summary, "arxiv-atom")
    return report
