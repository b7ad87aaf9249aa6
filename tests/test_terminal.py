"""The terminal views as a person sees them: emclean run in tmux at 80×24, the screen read back.

Each test starts its own tmux server (a private socket) and kills only that server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, need

BIN = Path(sys.executable).parent
CONVERT = FIXTURES / "convert"
KEYTIP = CONVERT / "stock-keytip.in.html"
GLOSSARY = CONVERT / "glossary-infokey.in.html"
BEGIN, END = "-- emclean starts --", "-- emclean done --"
# SGR escapes that set a color (30-38, 40-48, 90-97, 100-107), as opposed to bold or the
# default colors (39, 49) that tmux writes back on its own
COLOR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")
SGR = re.compile(r"\x1b\[[0-9;]*m")


def cells(line: str) -> int:
    """Terminal cells a line takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


class Screen:
    """A tmux server of our own with one 80×24 window running bash; `env` is set for each
    command (tmux sets PATH and TERM in its panes itself)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"emclean-test-{uuid.uuid4().hex[:8]}"
        self.env = " ".join(f"{key}={value}" for key, value in env.items())
        self.runs = 0
        self.tmux("new-session", "-d", "-x", "80", "-y", "24", "bash --norc --noprofile")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True)
        return done.stdout

    def run(self, command: str, *, escapes: bool = False) -> list[str]:
        """Type `command` at the prompt; the screen's lines (and history) from it to its end."""
        self.runs += 1
        self.tmux("send-keys", "clear", "Enter")
        self.tmux("clear-history")
        # numbered markers (output of an earlier command, or a late `clear`, never matches), typed
        # in pieces: the typed line, wrapped at 80 columns, never shows them
        first, last = f"{BEGIN} {self.runs}", f"{END} {self.runs}"
        begin, end = (" ".join(f'"{word}"' for word in marker.split()) for marker in (first, last))
        self.tmux("send-keys", f"echo {begin}; env {self.env} {command}; echo {end}", "Enter")
        deadline = time.monotonic() + 30
        while True:
            seen = self.tmux("capture-pane", "-p", "-S", "-200", *(["-e"] if escapes else []))
            lines = seen.splitlines()
            plain = [SGR.sub("", line).rstrip() for line in lines]
            if first in plain and last in plain:
                break
            if time.monotonic() > deadline:
                pytest.fail("emclean did not finish in tmux:\n" + seen)
            time.sleep(0.1)
        return lines[plain.index(first) + 1 : plain.index(last)]

    def close(self) -> None:
        socket = self.tmux("display-message", "-p", "#{socket_path}").strip()
        self.tmux("kill-server")
        Path(socket).unlink(missing_ok=True)  # (tmux leaves it behind)


@pytest.fixture
def screen(request: pytest.FixtureRequest) -> Iterator[Screen]:
    need("tmux", "the terminal views are checked on a real terminal")
    env = {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "TERM": "xterm-256color"}
    env.update(getattr(request, "param", {}))
    s = Screen(env)
    yield s
    s.close()


def test_entities_table_fits_80_columns_and_labels_its_columns(screen: Screen) -> None:
    """The aggregated table fits 80 columns, no word is split over two rows, and the last
    column (the `!` of doubtful links) has a heading."""
    lines = screen.run(f"emclean entities {KEYTIP} {GLOSSARY}")
    assert all(cells(line) <= 80 for line in lines)
    header = lines[0].split()
    assert header[0] == "name"
    assert header[-1] == "doubt"
    rows = [line for line in lines if "│" in line]
    assert len(rows) == 4
    for row in rows:
        name, code, kind = (cell.strip() for cell in row.split("│")[:3])
        assert kind in ("stock", "glossary")
        assert code in ("", "300832.SZ", "600519.SH")
        assert row.rstrip().endswith("!") == (name in ("新产业", "PPI"))
    assert lines[-1] == "4 links in 2 files, 4 rows, 2 suspicious"


def test_entities_by_file_drops_columns_instead_of_splitting_words(screen: Screen) -> None:
    """--by-file has eleven fields: at 80 columns some are dropped, and the ones shown keep
    their kinds and codes whole on one row."""
    lines = screen.run(f"emclean entities --by-file {KEYTIP} {GLOSSARY}")
    assert all(cells(line) <= 80 for line in lines)
    header = [h.strip() for h in re.split(r"[┃│]", lines[1])]
    assert header[0] == "file"
    assert header[-1] == "doubt"
    assert "url" not in header
    assert "secid" not in header
    for word in ("stock", "glossary", "300832.SZ", "600519.SH"):
        assert any(word in line for line in lines)
    for line in lines:
        for cell in line.split("│"):
            assert cell.strip() not in ("stoc", "k", "glos", "sary", "3008", "32.SZ")
    # the folder both files are in is said once, so each link keeps one row
    assert lines[0] == f"in {KEYTIP.parent}/"
    assert lines[-1] == "4 links in 2 files, 4 rows, 2 suspicious"
    named = [line.split("│")[0].strip() for line in lines[3:-1]]
    assert sorted(name for name in named if name) == sorted([KEYTIP.name] * 2 + [GLOSSARY.name] * 2)


def test_entities_suspicious_table_has_no_doubt_column(screen: Screen) -> None:
    """With --suspicious every row is doubtful: the table does not add a column of `!`."""
    lines = screen.run(f"emclean entities --suspicious {KEYTIP} {GLOSSARY}")
    assert "doubt" not in lines[0]
    assert lines[-1].startswith("2 links in 2 files, 2 rows, 2 suspicious")


def _gutter_rows(lines: list[str]) -> list[str]:
    """The rows of a diff after its ---/+++/@@ header."""
    at = next(n for n, line in enumerate(lines) if line.startswith("@@"))
    return lines[at + 1 :]


@pytest.mark.parametrize("screen", [{}, {"NO_COLOR": "1"}], indirect=True, ids=["color", "NO_COLOR"])
def test_colored_diff_keeps_its_gutter_on_every_row(screen: Screen, request: pytest.FixtureRequest) -> None:
    """A long line is cut into rows of 80 columns, each starting with its -/+ gutter, and the
    rows put back together are the line (nothing lost); NO_COLOR gives the same rows, uncolored."""
    lines = screen.run(f"emclean convert {KEYTIP} --diff")
    rows = _gutter_rows(lines)
    assert len(rows) > 2
    assert all(row[:1] in "-+" for row in rows)
    assert all(cells(row) <= 80 for row in rows)
    old = "".join(row[1:] for row in rows if row.startswith("-"))
    assert old == KEYTIP.read_text(encoding="utf-8").rstrip("\n")
    assert "".join(row[1:] for row in rows if row.startswith("+")) == (
        "《通知》明确，要创新产业链供应链金融服务方式。其中，贵州茅台被持有。"
    )
    colored = "\n".join(screen.run(f"emclean convert {KEYTIP} --diff", escapes=True))
    no_color = "NO_COLOR" in request.node.callspec.id
    assert bool(COLOR.search(colored)) is not no_color


def test_fix_diff_on_a_terminal_then_its_summary(screen: Screen, tmp_path: Path) -> None:
    """fix --diff: every row of the diff has its gutter (no wrapped row that starts with `>`
    and reads as Markdown), and the summary follows on a line of its own."""
    post = tmp_path / "_posts" / "2022-05-30-a.md"
    post.parent.mkdir()
    post.write_text('---\ntitle: "t"\n---\n> 摘要\n\n' + GLOSSARY.read_text(encoding="utf-8") + "\n> 尾注\n")
    lines = screen.run(f"emclean fix --diff {post.parent}")
    assert lines[-1].startswith("1 scanned, 1 would change, 0 unchanged, 0 failed")
    body = _gutter_rows(lines[:-1])
    assert all(row[:1] in "-+ " for row in body if row)
    assert all(cells(row) <= 80 for row in body)
    assert not any(row.startswith(">") for row in lines)


@pytest.mark.parametrize("screen", [{"TERM": "dumb"}], indirect=True)
def test_term_dumb_gets_the_plain_views(screen: Screen) -> None:
    """TERM=dumb: the plain unified diff and the tab-separated list, no escapes at all."""
    lines = screen.run(f"emclean convert {KEYTIP} --diff", escapes=True)
    assert not any("\x1b" in line for line in lines)
    assert lines[0] == f"--- {KEYTIP}"
    entities = screen.run(f"emclean entities {KEYTIP}", escapes=True)
    assert entities[0] == "name\tcode\tkind\tmarket\tcount\tfiles\tsuspicious".expandtabs()
