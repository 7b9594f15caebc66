"""Reading files as users save them (csana.ingest.files): encodings, separators, title rows, workbooks."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.errors import CsanaError
from csana.ingest.files import (
    HEAD_BYTES,
    _is_utf8,
    data_files,
    decode,
    header_row,
    read_text,
    read_workbook,
)

KNOWN = {"agent", "ts", "sender", "text"}


def _lower(cell: object) -> str:
    return str(cell).strip().lower()


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "text", "encoding"), [
    ("客服,时间\n".encode(), "客服,时间\n", "utf-8"),
    (b"\xef\xbb\xbf" + "客服,时间\n".encode(), "客服,时间\n", "utf-8-sig"),
    ("客服\t时间\n".encode("utf-16"), "客服\t时间\n", "utf-16"),
    ("客服,时间\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "客服,时间\n", "utf-16"),
    ("客服,时间\n".encode("gbk"), "客服,时间\n", "gb18030"),
])
def test_decode_gives_utf8_bytes_and_the_encoding(raw: bytes, text: str, encoding: str) -> None:
    assert decode(raw, "f.csv") == (text.encode(), encoding)


def test_invalid_utf16_after_a_bom_is_a_clear_error() -> None:
    with pytest.raises(CsanaError, match="f.csv: starts like UTF-16 text but is not valid UTF-16"):
        decode(b"\xff\xfe\x00\xd8", "f.csv")  # a lone high surrogate


def test_a_guess_only_when_asked() -> None:
    """é (0xE9) before a space is neither UTF-8 nor a GB18030 pair: raw logs guess, platform exports do not."""
    raw = "name\nAndré Gonçalves\n".encode("latin-1")
    text, encoding = decode(raw, "f.csv", guess=True)
    assert text.decode() == "name\nAndré Gonçalves\n" and encoding not in {"utf-8", "utf-8-sig", "gb18030"}
    with pytest.raises(CsanaError, match=r"f.csv: cannot tell the text encoding \(not UTF-8, UTF-16 or GBK\)"):
        decode(raw, "f.csv", guess=False)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=40), st.text(max_size=20).map(str.encode),
                 st.lists(st.sampled_from([b"\xe4\xb8\xad", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"a", b"\x80"]),
                          max_size=6).map(b"".join)))
def test_utf8_check_agrees_with_pythons_decoder(raw: bytes) -> None:
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert _is_utf8(raw) == valid


# -- text files ----------------------------------------------------------------------------------


def test_title_rows_separator_and_the_rows_below_the_header(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("10月聊天记录;导出\n\nagent;ts;text\na1;2026-10-01;你好\na2;2026-10-02;\n", encoding="utf-8")
    grid = read_text(path, "f.csv", head_rows=20)
    assert grid.encoding == "utf-8"
    assert grid.head[:3] == [["10月聊天记录", "导出"], [], ["agent", "ts", "text"]]
    assert header_row(grid.head, KNOWN, _lower) == 2
    cells, body = grid.below(2)
    assert cells == ["agent", "ts", "text"]
    # the first data row is spreadsheet row 4 (= header index 2 + 2)
    assert body.to_dict(as_series=False) == {"c0": ["a1", "a2"], "c1": ["2026-10-01", "2026-10-02"], "c2": ["你好", None]}


def test_rows_in_gbk_below_an_ascii_head_are_decoded_when_polars_meets_them(tmp_path: Path) -> None:
    # only the head is checked before reading; the rows past it are checked by polars as it reads them
    lines = ["agent,ts,text"] + ["a1,2026-10-01,hello"] * (HEAD_BYTES // 20 + 10) + ["a2,2026-10-02,你好"]
    path = tmp_path / "gbk.csv"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    grid = read_text(path, "gbk.csv", head_rows=20)
    assert grid.encoding == "utf-8"  # as far as the head tells
    cells, frame = grid.below(0, "__row")
    assert cells == ["agent", "ts", "text"] and grid.encoding == "gb18030"
    assert frame.height == len(lines) - 1 and frame.row(-1) == (len(lines), "a2", "2026-10-02", "你好")


def test_a_utf8_head_over_rows_in_another_encoding_that_reads_otherwise_is_refused(tmp_path: Path) -> None:
    # the head decoded as GB18030 is not the head read as UTF-8: the file mixes encodings
    head = "agent,ts,text\n" + "a1,2026-10-01,你好\n" * (HEAD_BYTES // 20)
    path = tmp_path / "mixed.csv"
    path.write_bytes(head.encode("utf-8") + "a2,2026-10-02,你好\n".encode("gb18030"))
    grid = read_text(path, "mixed.csv", head_rows=20)
    with pytest.raises(CsanaError, match=r"mixed.csv: the first lines are UTF-8 but later rows are in another encoding"):
        grid.below(0, "__row")


def test_cr_only_lines_and_tsv(tmp_path: Path) -> None:
    """Old Mac Excel ends lines in CR only; a .tsv is tab-separated whatever its first lines hold most."""
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"agent,ts\ra1,1\ra2,2\r")
    assert read_text(mac, "mac.csv", 20).below(0)[1]["c0"].to_list() == ["a1", "a2"]
    tsv = tmp_path / "f.tsv"
    tsv.write_text("agent\tts\na,1\t2\n", encoding="utf-8")
    assert read_text(tsv, "f.tsv", 20).below(0)[1].row(0) == ("a,1", "2")


def test_a_header_cell_across_two_lines_takes_polars_reading(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('agent,"ts\n(local)",text\na1,1,x\n', encoding="utf-8")
    cells, body = read_text(path, "f.csv", 20).below(0)
    assert cells == ["agent", "ts\n(local)", "text"] and body.row(0) == ("a1", "1", "x")


@pytest.mark.parametrize("content", [b"", b" \r\n\t", b"\xef\xbb\xbf\r\n", b"\xff\xfe", b" " * 10_000 + b"\n",
                                     " \n".encode("utf-16"), "\u3000\n".encode()])
def test_a_file_of_nothing_but_spaces_and_marks_is_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(CsanaError, match="f.csv: the file is empty"):
        read_text(path, "f.csv", 20)


def test_ragged_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("title\nagent,ts\na1,1\na2,2,3\n", encoding="utf-8")
    with pytest.raises(CsanaError, match=r"f.csv, row 4: row has more cells than the header's 2"):
        read_text(path, "f.csv", 20).below(1)


# -- workbooks ---------------------------------------------------------------------------------------


def test_workbook_sheets_as_text_with_numbers_on_request(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("report")
        sheet.write_row(0, 0, ["客服绩效 2026-10"])
        sheet.write_row(2, 0, ["agent", "rate"])
        sheet.write_row(3, 0, ["a1", 0.123456789012])
        book.add_worksheet("empty")
    sheets = read_workbook(path, "f.xlsx", 20)
    assert [name for name, _ in sheets] == ["report", "empty"]
    assert sheets[1][1].head == []
    grid = sheets[0][1]
    assert grid.encoding is None and header_row(grid.head, {"agent", "rate"}, _lower) == 2
    cells, body = grid.below(2)
    assert cells == ["agent", "rate"] and body.columns == ["c0", "c1"] and body["c0"].to_list() == ["a1"]
    (name, first), = read_workbook(path, "f.xlsx", 20, first_sheet_only=True, numbers=True)
    _, body = first.below(2)
    assert name == "report" and body.columns == ["c0", "c1", "f0", "f1"] and body["f1"].to_list() == [0.123456789012]


def test_a_corrupt_workbook_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CsanaError, match=r"f.xlsx: not a readable Excel file"):
        read_workbook(path, "f.xlsx", 20)


# -- header rows and folders -----------------------------------------------------------------------


def test_header_row_first_naming_two_or_the_one_naming_most() -> None:
    head = [["客服绩效"], ["agent", "ts", "note"], ["agent", "ts", "sender", "text"], ["a1", "1", "customer", ""]]
    assert header_row(head, KNOWN, _lower) == 1
    assert header_row(head, KNOWN, _lower, most=True) == 2
    assert header_row([["agent", "ts"], ["ts", "agent"]], KNOWN, _lower, most=True) == 0  # the first of equals
    assert header_row([["agent", None, ""], ["x"]], KNOWN, _lower) is None
    assert header_row([], KNOWN, _lower, most=True) is None


def test_data_files_skip_hidden_lock_and_system_folders(tmp_path: Path) -> None:
    for name in ("b.csv", "a/x.xlsx", "a/~$x.xlsx", ".git/y.csv", "__MACOSX/z.csv", "a/._w.csv", "notes.txt", "c.PARQUET"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found = data_files(tmp_path, (".csv", ".xlsx", ".parquet"))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/x.xlsx", "b.csv", "c.PARQUET"]


def test_positional_columns_keep_every_cell_as_text(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("agent,n\n007,1.50\n", encoding="utf-8")
    _, body = read_text(path, "f.csv", 20).below(0)
    assert body.schema == pl.Schema({"c0": pl.String, "c1": pl.String}) and body.row(0) == ("007", "1.50")


@pytest.mark.parametrize("name", ["[.csv", "a*b.csv", "x?.csv", "{o}.csv"])
def test_names_with_glob_characters_are_read_as_names(tmp_path: Path, name: str) -> None:
    """polars reads a path with * ? [ ] { } as a pattern: such files are read from memory instead."""
    folder = tmp_path / "shop[1]"
    folder.mkdir()
    (folder / name).write_text("订单号,买家\no1,c1\n", encoding="utf-8")
    grid = read_text(folder / name, name, 5)
    cells, body = grid.below(0, "__row")
    assert cells == ["订单号", "买家"] and body.rows() == [(2, "o1", "c1")]
