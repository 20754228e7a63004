"""Fuzzing the xlsx readers (scoring/adapters/xlsx.py, scoring/io/workbook.py, scoring/io/mof.py): a valid example
workbook, mutated in its zip bytes or in its sheet XML, is read by `load` or refused with the project's InputError
/ DataError (exit 3), never another exception."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.core.errors import InputError
from scoring.io.readers import load
from scoring.io.template import write_template

MOF_FORM = Path(__file__).resolve().parent / "data" / "mof-自评表-芦淞城管.xlsx"  # merged cells: the MoF reader
_CELL = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"[^>]*?(?:/>|>.*?</c>)", re.S)


def load_or_input_error(path: Path) -> None:
    try:
        raw = load(path)
    except InputError:
        return
    assert all(isinstance(p, InputError) for p in raw.problems)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The workbook `perfscore template` writes (the perfscore workbook reader) and a MoF 自评表 (the MoF reader)."""
    (template,) = write_template(tmp_path_factory.mktemp("template") / "模板.xlsx")
    return [template.read_bytes(), MOF_FORM.read_bytes()]


def members_of(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def sheet_names_of(members: dict[str, bytes]) -> list[str]:
    return sorted(n for n in members if n.startswith("xl/worksheets/sheet"))


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


CELL_VALUES = st.one_of(
    st.text(max_size=30).map(lambda t: f'<c r="{{ref}}" t="inlineStr"><is><t>{_xml(t)}</t></is></c>'),
    st.sampled_from(
        [
            "\x01\x02",
            "\x0b",
            "=SUM(A1:A2)",
            "",
            "1e30",
            "-1e308",
            "NaN",
            "inf",
            "9" * 400,
            "1E+999",
            "＝4次",
            "95%",
            "示例",
            "\U0001f600",
        ]
    ).map(lambda t: f'<c r="{{ref}}" t="inlineStr"><is><t>{_xml(t)}</t></is></c>'),
    st.sampled_from(["1e30", "-0", "NaN", "inf", "1E+999", "abc", "", "1.5.5", "99999999999999999999999"]).map(
        lambda v: f'<c r="{{ref}}"><v>{v}</v></c>'
    ),
    st.sampled_from(["SUM(A1:A3)", "1/0", "A1", "'", 'INDIRECT("x")']).map(
        lambda f: f'<c r="{{ref}}"><f>{_xml(f)}</f></c>'
    ),
    st.sampled_from(["b", "e", "s", "d", "n", "str", "x"]).map(lambda t: f'<c r="{{ref}}" t="{t}"><v>1</v></c>'),
    st.sampled_from(["0", "99999", "-1", "x"]).map(lambda v: f'<c r="{{ref}}" t="s"><v>{v}</v></c>'),
    st.just('<c r="{ref}"/>'),
    st.sampled_from(["1900-01-00", "2024-13-45", "x"]).map(lambda v: f'<c r="{{ref}}" t="d"><v>{v}</v></c>'),
)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MERGES = st.lists(
    st.sampled_from(
        ["A1:C1", "A1:XFD1048576", "B2:B9", "A1:A1", "D5:C4", "ZZ1:ZZZ9", "A1048576:B1048576", "A0:B1", "x", ""]
    ),
    max_size=3,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_sheet_xml(
    examples: list[bytes], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    members = members_of(data.draw(st.sampled_from(examples)))
    sheet = data.draw(st.sampled_from(sheet_names_of(members)))
    xml = members[sheet]
    cells = list(_CELL.finditer(xml))
    picks = data.draw(st.lists(st.integers(0, len(cells) - 1), min_size=1, max_size=8, unique=True))
    out, last = [], 0
    for i in sorted(picks):
        m = cells[i]
        ref = (m.group(1) + m.group(2)).decode()
        out += [xml[last : m.start()], data.draw(CELL_VALUES).replace("{ref}", ref).encode()]
        last = m.end()
    out.append(xml[last:])
    xml = b"".join(out)
    merges = data.draw(MERGES)
    if merges:
        block = "".join(f'<mergeCell ref="{r}"/>' for r in merges).encode()
        xml = re.sub(rb"<mergeCells[^>]*>.*?</mergeCells>", b"", xml, flags=re.S)
        xml = xml.replace(
            b"</sheetData>", b'</sheetData><mergeCells count="%d">' % len(merges) + block + b"</mergeCells>", 1
        )
    members[sheet] = xml
    load_or_input_error(write_zip(tmp_path_factory.mktemp("fuzz") / "单位.xlsx", members))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(["flip", "truncate", "insert", "member"]),
    which=st.integers(0, 1),
)
def test_mutated_zip_bytes(
    examples: list[bytes], seed: int, kind: str, which: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rnd = random.Random(seed)
    data = bytearray(examples[which])
    if kind == "flip":
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
    elif kind == "truncate":
        del data[rnd.randrange(len(data)) :]
    elif kind == "insert":
        at = rnd.randrange(len(data))
        data[at:at] = rnd.randbytes(rnd.randint(1, 64))
    else:  # a member's bytes replaced in a zip that is itself valid
        members = members_of(examples[which])
        name = rnd.choice(sorted(members))
        blob = bytearray(members[name])
        for _ in range(rnd.randint(1, 8)):
            if blob:
                blob[rnd.randrange(len(blob))] = rnd.randrange(256)
        members[name] = bytes(blob)
        path = write_zip(tmp_path_factory.mktemp("fuzz") / "单位.xlsx", members)
        load_or_input_error(path)
        return
    path = tmp_path_factory.mktemp("fuzz") / "单位.xlsx"
    path.write_bytes(bytes(data))
    load_or_input_error(path)
