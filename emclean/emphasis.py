"""Emphasis that renders: the renderer's bold, italic and strikethrough markers written as
`**`, `*` and `~~` that CommonMark (with its flanking rules and "rule of 3") and kramdown both
read as emphasis, in Chinese text too, or not written at all."""

from __future__ import annotations

import re
from functools import lru_cache, partial

from .chars import is_punct, is_space
from .codec import Codec


@lru_cache(maxsize=16)
def _guards(codec: Codec) -> tuple[re.Pattern[str], ...]:
    """Cheap searches that say when a rewrite of `Emphasis.resolve` may change a line (one
    with none of these is left as it is: searching costs much less than rewriting)."""
    opens, closes = re.escape("".join(codec.opens)), re.escape("".join(codec.closes))
    ws = re.escape(" \u00a0" + codec.ideo + codec.br)
    # what `_opener`/`_closer` may move next to a run is never ASCII (a placeholder stands
    # for ASCII punctuation in text), a CJK ideograph (a letter), nor one of the codec's
    # markers, tokens, breaks and spaces (the private-use characters after its placeholders)
    marks = f"{re.escape(codec.ideo)}-{re.escape(chr(ord(codec.ideo) + 0x1F))}"
    other = f"[^\\x00-\\x7f\\u3400-\\u4dbf\\u4e00-\\u9fff{marks}]"
    return (
        re.compile(f"[{opens}][{ws}]"),  # what `open_ws` moves
        re.compile(f"[{ws}][{closes}]"),  # what `ws_close` moves
        re.compile(f"[{opens}](?={other})"),  # what `_opener` may move
        re.compile(f"(?<={other})[{closes}]"),  # what `_closer` may move
    )


class Emphasis:
    """Resolves the emphasis markers of one line of one document's codec."""

    def __init__(self, codec: Codec) -> None:
        self.c = codec
        self._open_space, self._space_close, self._open_punct, self._punct_close = _guards(codec)
        self._joints = [close + o for o, close in codec.partner.items()]  # (see `_pair`)

    def resolve(self, s: str) -> str:
        """Markers → `**` / `*` / `~~` that render in CommonMark and kramdown.

        Drops unmatched, nested-duplicate and empty pairs; moves whitespace outside the
        delimiters; and where a delimiter sits between punctuation inside and a letter
        outside (`以**“七条链”**为`, which CommonMark does not render), moves that
        punctuation outside (`以“**七条链**”为`).
        """
        s = self._pair(s)
        for _ in range(12):
            before = s
            if self._open_space.search(s):
                s = self.c.open_ws.sub(r"\2\1", s)
            if self._space_close.search(s):
                s = self.c.ws_close.sub(r"\2\1", s)
            s = self.c.link_inside.sub(self._into_link, s)
            if self._open_punct.search(s):
                s = self.c.open_next.sub(partial(self._opener, s=s), s)
            if self._punct_close.search(s):
                s = self.c.prev_close.sub(partial(self._closer, s=s), s)
            if s == before:
                # what still cannot open or close (`1~~**I**~~`: `~~` after a letter, before `*`) goes
                doomed = self._unflankable(s)
                if not doomed:
                    break
                s = self._pair(s, doomed)
            else:
                s = self._pair(s)
        return s.translate(self.c.delimiters)

    def _into_link(self, m: re.Match[str]) -> str:
        """Emphasis wrapping exactly one link goes inside the link text: `[**x**](u)`."""
        opens, text, token, closes = m.groups()
        if "".join(self.c.partner[o] for o in reversed(opens)) != closes:
            return m.group()
        return f"[{opens}{text}{closes}]({token})"

    def _unflankable(self, s: str) -> set[int]:
        """Markers that CommonMark would not read as delimiters where they stand."""
        doomed: set[int] = set()
        for m in self.c.open_run.finditer(s):
            before, after = self._ctx(s, m.start() - 1), self._ctx(s, m.end())
            if is_space(before) or is_punct(before):
                continue
            if m.end() - m.start() > 1 or (after is not None and is_punct(after)):
                doomed.add(m.start())  # the first marker: followed by punctuation, after a letter
        for m in self.c.close_run.finditer(s):
            nxt = s[m.end()] if m.end() < len(s) else ""
            if nxt in self.c.opens and self.c.opens[nxt][0] == self.c.closes[s[m.end() - 1]][0]:
                doomed.add(m.end())  # `*a***b**`: two runs of `*` would read as one
                continue
            before, after = self._ctx(s, m.start() - 1), self._ctx(s, m.end())
            if is_space(after) or is_punct(after):
                continue
            if m.end() - m.start() > 1 or (before is not None and is_punct(before)):
                doomed.add(m.end() - 1)
        return doomed

    def _pair(self, s: str, doomed: set[int] | frozenset[int] = frozenset()) -> str:
        """Keep only markers that pair up, are not nested in their own kind, hold text
        (and whose pair has no marker in `doomed`)."""
        c = self.c
        drop: set[int] = set()
        stack: list[tuple[str, int, bool]] = []  # (open marker, index, nested in same kind)
        depth = dict.fromkeys(c.opens, 0)  # open markers of each kind in the stack
        pairs: list[tuple[int, int]] = []
        for m in c.marker.finditer(s):
            i, ch = m.start(), m.group()
            if ch in depth:
                stack.append((ch, i, depth[ch] > 0))
                depth[ch] += 1
                continue
            opener = c.opener_of[ch]
            if not depth[opener]:
                drop.add(i)
                continue
            while True:  # close what was opened since (those go)
                o, j, nested = stack.pop()
                depth[o] -= 1
                if o == opener:
                    break
                drop.add(j)
            if nested:
                drop.update((i, j))
            else:
                pairs.append((j, i))
        if stack:
            drop.update(j for _, j, _ in stack)
        for j, i in pairs:
            inner = s[j + 1 : i]
            if c.tok_open in inner:
                inner = c.token.sub("", inner)
            if j in doomed or i in doomed or not c.texty.search(inner):
                drop.update((i, j))
        if drop:
            kept, last = [], 0
            for n in sorted(drop):
                kept.append(s[last:n])
                last = n + 1
            kept.append(s[last:])
            s = "".join(kept)
        # a close right before an open of the same kind: one run, not two
        for joint in self._joints:
            if joint in s:
                s = s.replace(joint, "")
        return s

    def _opener(self, m: re.Match[str], *, s: str) -> str:
        """An opening run followed by punctuation and preceded by a letter cannot open:
        move that (text) punctuation in front of the run."""
        run, after = m.group(1), m.group(2)
        before = self._ctx(s, m.start() - 1)
        first = self.c.char(after)
        if self._movable(after) and is_punct(first) and not (is_space(before) or is_punct(before)):
            return after + run
        return m.group()

    def _closer(self, m: re.Match[str], *, s: str) -> str:
        """A closing run preceded by punctuation and followed by a letter cannot close:
        move that (text) punctuation after the run."""
        last, run = m.group(1), m.group(2)
        after = self._ctx(s, m.end())
        if self._movable(last) and is_punct(self.c.char(last)) and not (is_space(after) or is_punct(after)):
            return run + last
        return m.group()

    def _movable(self, ch: str) -> bool:
        """Text characters may move across a delimiter; markup and tokens may not."""
        return ch in self.c.ascii or not (
            ch.isascii() or ch in self.c.markers or ch in (self.c.tok_open, self.c.tok_close)
        )

    def _ctx(self, s: str, j: int) -> str | None:
        """The character at `j` as a renderer sees it (None outside the line)."""
        if j < 0 or j >= len(s):
            return None
        return self.c.char(s[j])
