"""Doubtful links: the rules on the issue's examples, and precision/recall on hand labels."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest
from conftest import FIXTURES, need_corpus

from emclean import inventory
from emclean.entities import Entity
from emclean.suspicion import flag, flag_across, reason

LABELS = FIXTURES / "suspicion" / "labels.tsv"


def link(before: str, name: str, after: str, kind: str = "stock", code: str | None = "300832.SZ") -> Entity:
    return Entity(name, kind, code, None, None, None, before=before, after=after)


@pytest.mark.parametrize(
    ("before", "name", "after", "kind"),
    [
        ("《通知》明确，要创", "新产业", "链供应链金融服务方式", "stock"),
        ("加拿大年金计划委员会(C", "PPI", "B)披露最新财报", "glossary"),
        ("发展壮", "大智慧", "城市", "stock"),
        ("推动煤", "电机", "组改造升级", "board"),
        ("市场人士指出，发展", "绿色经济", "是长线目标", "stock"),
        ("（文章来源：上海", "证券", "报）", "board"),
        ("", "券商", "中国获悉，1月5日", "glossary"),
    ],
)
def test_the_auto_linker_mistakes_are_flagged(before: str, name: str, after: str, kind: str) -> None:
    """Each mislink named in the issue gets a reason."""
    assert reason(link(before, name, after, kind)) is not None


@pytest.mark.parametrize(
    ("before", "name", "after", "kind"),
    [
        ("其中，", "腾讯控股", "、美的集团、阿里巴巴", "stock"),
        ("开发信贷、", "保险", "等金融产品", "board"),
        ("1月21日晚间", "公告", "，预计2021年", "glossary"),
        ("提醒各", "证券", "公司应持续强化", "board"),
        ("", "平安银行", "日前发行的260亿元", "stock"),
    ],
)
def test_sound_links_are_not_flagged(before: str, name: str, after: str, kind: str) -> None:
    """Links that stand on word boundaries and name what they point at pass."""
    assert reason(link(before, name, after, kind)) is None


def test_a_link_continuing_another_into_one_word() -> None:
    """`中国银河[证券]`: the board link glued onto the company name is flagged."""
    galaxy = replace(link("⑤", "中国银河", "证券：硬科技"), touching=("", "证券"))
    securities = replace(link("⑤中国银河", "证券", "：硬科技", "board", "BK0473"), touching=("中国银河", ""))
    assert reason(galaxy) is None
    assert reason(securities) is not None


def test_one_code_under_two_names() -> None:
    """Across inputs, the rarer name of a code is flagged."""
    a = [link("", "腾讯控股", "", code="00700.HK")] * 3 + [link("", "腾讯", "", code="00700.HK")]
    flagged = flag_across(a)
    assert [e.suspicious for e in flagged] == [None, None, None, True]  # (the others were not checked here)


def test_precision_and_recall_on_the_labelled_corpus() -> None:
    """On ../shared/corpus the flags reach recall ≥ 0.9 at precision ≥ 0.8 (see README)."""
    corpus = need_corpus()
    with LABELS.open(encoding="utf-8", newline="") as f:
        labels = {(r["file"], int(r["n"])): r["mislinked"] == "1" for r in csv.DictReader(f, delimiter="\t")}
    found: list[tuple[tuple[str, int], Entity]] = []
    for name in sorted({f for f, _ in labels}):
        scanned = inventory.scan_text((corpus / name).read_text(encoding="utf-8"), name)
        found.extend(((name, n), e) for n, e in enumerate(scanned.entities, 1))
    assert {key for key, _ in found} == set(labels), "the corpus and the labels list different links"
    flagged = flag_across(e for _, e in found)
    tp = sum(1 for (key, _), e in zip(found, flagged, strict=True) if e.suspicious and labels[key])
    fp = sum(1 for (key, _), e in zip(found, flagged, strict=True) if e.suspicious and not labels[key])
    fn = sum(1 for (key, _), e in zip(found, flagged, strict=True) if not e.suspicious and labels[key])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"suspicion on the corpus: precision {precision:.2f}, recall {recall:.2f} (tp {tp}, fp {fp}, fn {fn})")
    assert recall >= 0.9
    assert precision >= 0.8


def test_flag_keeps_order_and_fills_reasons() -> None:
    """flag() returns the same links, in order, with reasons where doubtful."""
    links = [link("要创", "新产业", "链"), link("其中，", "贵州茅台", "被持有", code="600519.SH")]
    out = flag(links)
    assert [e.name for e in out] == ["新产业", "贵州茅台"]
    assert out[0].reason == "glued into a longer word"
    assert out[1].reason is None
