from pathlib import Path

from pfctl.server.runtime.logs import LogQuery, _complete_utf8, _read_window


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "worker-0.log"
    path.write_bytes(text.encode())
    return path


def test_head_read_respects_the_line_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "a\nb\nc\n")
    content, has_next, truncated, next_offset = _read_window(path, LogQuery(line_limit=2))
    assert (content, has_next, truncated, next_offset) == ("a\nb\n", True, False, 4)


def test_reading_on_from_an_offset_follows_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a\nb\nc\n")
    content, has_next, _, next_offset = _read_window(path, LogQuery(offset=4))
    assert (content, has_next, next_offset) == ("c\n", False, 6)
    with path.open("a") as handle:
        handle.write("d")
    assert _read_window(path, LogQuery(offset=6))[0] == "d"


def test_tail_read_returns_the_last_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a\nb\nc\n")
    content, has_earlier, truncated, next_offset = _read_window(
        path, LogQuery(line_limit=2, read_from_tail=True)
    )
    assert (content, has_earlier, truncated, next_offset) == ("b\nc\n", True, False, 6)


def test_size_limit_truncates(tmp_path: Path) -> None:
    path = write(tmp_path, "0123456789\n" * 3)
    content, has_next, truncated, next_offset = _read_window(path, LogQuery(size_limit=15))
    assert truncated and has_next
    assert content == "0123456789\n0123"
    assert next_offset == 15
    tail, _, tail_truncated, _ = _read_window(path, LogQuery(size_limit=15, read_from_tail=True))
    assert tail_truncated and tail == "0123456789\n"


def test_a_cut_utf8_character_is_left_for_the_next_read() -> None:
    text = "é".encode()
    assert _complete_utf8(b"ab" + text[:1]) == b"ab"
    assert _complete_utf8(b"ab" + text) == b"ab" + text
    assert _complete_utf8(b"") == b""


def test_missing_file_reads_empty(tmp_path: Path) -> None:
    assert _read_window(tmp_path / "none.log", LogQuery()) == ("", False, False, 0)
