"""emclean.words cuts as jieba cuts (HMM off), from a word list that is jieba's dictionary.

jieba is a dev dependency for this comparison only; without it, those tests skip.
"""

from __future__ import annotations

import csv
import importlib.metadata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, STRICT, need_corpus

import emclean
from emclean import suspicion, words
from emclean.entities import Entity


def jieba() -> Any:
    if STRICT:  # in CI the reference must be there
        import jieba as module
    else:
        module = pytest.importorskip("jieba", reason="jieba (a dev dependency) is the reference for emclean.words")
    import logging

    module.setLogLevel(logging.WARNING)
    module.initialize()
    return module


def test_cut_entry_frequency_and_tag() -> None:
    """The README's sentence, a dictionary word, the start of longer words, and a non-word."""
    assert words.cut("要创新产业链供应链金融服务方式") == ("要", "创新", "产业链", "供应链", "金融服务", "方式")
    assert words.cut("C PPI B 2021年") == ("C", " ", "PPI", " ", "B", " ", "2021", "年")
    assert words.entry("绿色") == (2851, "n")
    assert (words.frequency("绿色"), words.tag("绿色")) == (2851, "n")
    assert words.entry("产业") is not None
    assert words.entry("金融服") == (0, "")  # only the start of 金融服务
    assert (words.entry("新产业链"), words.frequency("新产业链"), words.tag("新产业链")) == (None, 0, "x")


def test_the_word_list_is_jiebas_dictionary(update_golden: bool) -> None:
    """data/words.txt is built from the installed jieba's dict.txt (--update-golden rebuilds it)."""
    module = jieba()
    with module.get_dict_file() as f:
        dictionary = f.read()
    built = words.build(
        dictionary, f"jieba-{importlib.metadata.version('jieba')}/dict.txt (MIT License, Copyright (c) 2013 Sun Junyi)"
    )
    if update_golden:
        words.WORDS.write_bytes(built)
    assert built == words.WORDS.read_bytes(), "jieba's dictionary changed: rebuild with pytest --update-golden"


def test_frequencies_and_tags_are_jiebas() -> None:
    """Every word and word start of jieba's table (every 13th) has jieba's frequency, and
    every dictionary line's tag is the one emclean reads."""
    module = jieba()
    table = list(module.dt.FREQ.items())
    assert [(w, words.frequency(w)) for w, _ in table[::13]] == table[::13]
    assert all(words.entry(w) is not None for w, _ in table[::13])
    with module.get_dict_file() as f:
        tags = dict(line.decode("utf-8").split()[::2] for line in f.read().splitlines()[::7])
    assert {w: words.tag(w) for w in tags} == tags


def corpus_texts() -> Iterator[str]:
    for path in sorted(need_corpus().rglob("*")):
        if path.suffix in (".md", ".html") and path.name != "README.md":
            yield path.read_text(encoding="utf-8")


def test_every_text_the_doubt_cuts_is_cut_as_jieba_cuts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each text the suspicion rules segment over the corpus and the labels (windows around
    links, link names), every link's context, and the labels' contexts: jieba's words."""
    module = jieba()
    asked: list[str] = []
    real = words.cut.__wrapped__

    def recording(text: str) -> tuple[str, ...]:
        asked.append(text)
        return real(text)

    monkeypatch.setattr(words, "cut", recording)
    suspicion._boundaries.cache_clear()
    suspicion._ordinary_word.cache_clear()
    found: list[Entity] = [e for text in corpus_texts() for e in emclean.list_entities(text)]
    suspicion.flag_across(found)
    assert len(asked) > 50
    with (FIXTURES / "suspicion" / "labels.tsv").open(encoding="utf-8", newline="") as f:
        labelled = [row["context"] for row in csv.DictReader(f, delimiter="\t")]
    texts = {*asked, *(e.before + e.name + e.after for e in found), *labelled}
    differ = [(t, module.lcut(t, HMM=False), list(real(t))) for t in sorted(texts)]
    assert [d for d in differ if d[1] != d[2]] == []
    suspicion._boundaries.cache_clear()
    suspicion._ordinary_word.cache_clear()


def test_every_line_of_the_corpus_is_cut_as_jieba_cuts_it() -> None:
    """Beyond the contexts: every line of every corpus file, markup and all."""
    module = jieba()
    lines = {line for text in corpus_texts() for line in text.splitlines()}
    assert [line for line in sorted(lines) if module.lcut(line, HMM=False) != list(words.cut(line))] == []


def test_the_list_is_in_the_package() -> None:
    """The word list sits in the package (it is read through the file system)."""
    assert words.WORDS.parent == Path(words.__file__).parent / "data"
    assert words.WORDS.read_bytes()[:15] == b"emclean-words 1"
