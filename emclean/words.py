"""Chinese words as jieba cuts them, without jieba's second-long start.

`cut(text)` is `jieba.lcut(text, HMM=False)`: jieba's dictionary, its graph of the words a
sentence holds and its most probable path through them, ported as they are. Where jieba
builds a table of all 350,000 words and their prefixes before the first cut (0.7 s), the
dictionary ships here as `data/words.txt`: jieba's `dict.txt` sorted, with an index by first
character, mapped from disk (`mmap`), so that a cut reads only the few lines it needs.
`entry(word)` gives a word's frequency and part-of-speech tag from the same lines.

tests/test_words.py checks that the list is jieba's dictionary and that `cut` gives jieba's
words on every context of the corpus; `build` makes the list from jieba's `dict.txt`.
"""

from __future__ import annotations

import math
import mmap
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORDS = Path(__file__).parent / "data" / "words.txt"
_MAGIC = b"emclean-words 1"
# jieba's own patterns: runs of what forms words, the whitespace between them, and the
# letters and digits that a cut gathers into one word
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+)")
_SKIP = re.compile(r"(\r\n|\s)")
_ENG = re.compile("[a-zA-Z0-9]")


@dataclass(frozen=True, slots=True)
class _List:
    """The word list, mapped: `firsts[i]` starts the words of lines `starts[i]:starts[i+1]`."""

    data: mmap.mmap
    firsts: str
    starts: list[int]
    logtotal: float


@lru_cache(maxsize=1)
def _list() -> _List:
    with WORDS.open("rb") as f:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    magic_end = data.find(b"\n")
    firsts_end = data.find(b"\n", magic_end + 1)
    starts_end = data.find(b"\n", firsts_end + 1)
    head = data[:magic_end].split()
    if data[: len(_MAGIC)] != _MAGIC or len(head) < 3:
        raise RuntimeError(f"{WORDS} is not emclean's word list")
    firsts = data[magic_end + 1 : firsts_end].decode("utf-8")
    body = starts_end + 1
    starts = [body + int(n) for n in data[firsts_end + 1 : starts_end].split()]
    return _List(data, firsts, [*starts, len(data)], math.log(int(head[2])))


@lru_cache(maxsize=1 << 17)
def entry(word: str) -> tuple[int, str] | None:
    """(frequency, tag) of a dictionary word; (0, "") for the start of longer words only;
    None for anything else (jieba's `FREQ`, which holds the prefixes of words as 0)."""
    if not word:
        return None
    words = _list()
    block = words.firsts.find(word[0])
    if block < 0:
        return None
    start, end = words.starts[block], words.starts[block + 1]
    key = b"\n" + word.encode("utf-8")
    at = words.data.find(key, start - 1, end)
    if at < 0:
        return None
    rest = at + len(key)
    if words.data[rest] != 0x20:  # a longer word (sorted after the word itself, if any)
        return (0, "")
    fields = words.data[rest + 1 : words.data.find(b"\n", rest, end)].split()
    return int(fields[0]), fields[1].decode("utf-8") if len(fields) > 1 else ""


def frequency(word: str) -> int:
    """How often jieba's dictionary counts `word` (0 if it is not a word there)."""
    found = entry(word)
    return found[0] if found else 0


def tag(word: str) -> str:
    """jieba's part-of-speech tag of a dictionary word ("x" if it is not a word there)."""
    found = entry(word)
    return found[1] if found and found[0] else "x"


@lru_cache(maxsize=1 << 16)
def cut(text: str) -> tuple[str, ...]:
    """The words of `text`, exactly as `jieba.lcut(text, HMM=False)` gives them."""
    out: list[str] = []
    for block in _HAN.split(text):
        if not block:
            continue
        if _HAN.match(block):
            out.extend(_cut_block(block))
            continue
        for piece in _SKIP.split(block):
            if _SKIP.match(piece):
                out.append(piece)
            else:
                out.extend(piece)
    return tuple(out)


def _cut_block(text: str) -> list[str]:
    """jieba's `__cut_DAG_NO_HMM`: the most probable path through the dictionary's words."""
    n = len(text)
    graph: list[list[int]] = []  # graph[k]: the ends of the words that start at k
    for k in range(n):
        ends = []
        i = k
        found = entry(text[k])
        while found is not None:
            if found[0]:
                ends.append(i)
            i += 1
            if i >= n:
                break
            found = entry(text[k : i + 1])
        graph.append(ends or [k])
    logtotal = _list().logtotal
    route: list[tuple[float, int]] = [(0, 0)] * (n + 1)
    for k in range(n - 1, -1, -1):
        route[k] = max((math.log(frequency(text[k : x + 1]) or 1) - logtotal + route[x + 1][0], x) for x in graph[k])
    words = []
    letters = ""
    k = 0
    while k < n:
        end = route[k][1] + 1
        word = text[k:end]
        if len(word) == 1 and _ENG.match(word):
            letters += word
        else:
            if letters:
                words.append(letters)
                letters = ""
            words.append(word)
        k = end
    if letters:
        words.append(letters)
    return words


def build(dictionary: bytes, source: str) -> bytes:
    """The word list made from a jieba `dict.txt` ("word freq tag" lines): one line per word
    (the last line of a word wins, as in jieba), sorted by bytes so that a word comes
    before the longer words it starts; the total of every line's frequency, as jieba sums it;
    the index of first characters. `source` names the dictionary in the first line."""
    last: dict[bytes, bytes] = {}
    total = 0
    for raw in dictionary.splitlines():
        line = raw.strip()
        if not line:
            continue
        word, freq = line.split(b" ")[:2]
        total += int(freq)
        last[word] = line
    lines = [last[word] for word in sorted(last)]
    firsts: list[str] = []
    offsets: list[int] = []  # from the first line of words
    at = 0
    for line in lines:
        first = line.decode("utf-8")[0]
        if not firsts or firsts[-1] != first:
            firsts.append(first)
            offsets.append(at)
        at += len(line) + 1
    return b"".join(
        (
            b"%s %d %s\n" % (_MAGIC, total, source.encode("utf-8")),
            "".join(firsts).encode("utf-8") + b"\n",
            b" ".join(b"%d" % o for o in offsets) + b"\n",
            b"\n".join(lines) + b"\n",
        )
    )
