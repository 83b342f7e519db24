"""Named parameters: numbered for asyncpg once, bound by name, a missing or unknown one
refused before anything reaches the database."""

from dataclasses import dataclass

import pytest

from complaint_desk.shared.queries import Statement


def test_names_become_numbers_in_order_of_first_use_and_casts_stay() -> None:
    s = Statement("SELECT :b::uuid, :a, :b WHERE x = :a")
    assert s.sql == "SELECT $1::uuid, $2, $1 WHERE x = $2"
    assert s.params == ("b", "a")


def test_binding_by_name_from_keywords_a_mapping_or_a_dataclass() -> None:
    @dataclass
    class Row:
        a: int
        b: str

    s = Statement("INSERT INTO t VALUES (:a, :b)")
    assert s.args(a=1, b="x") == [1, "x"]
    assert s.args({"b": "y", "a": 2}) == [2, "y"]
    assert s.args(Row(a=3, b="z")) == [3, "z"]
    assert s.args(Row(a=3, b="z"), b="w") == [3, "w"]  # a keyword overrides


def test_a_missing_or_unknown_parameter_is_refused() -> None:
    s = Statement("UPDATE t SET a = :a WHERE id = :id")
    with pytest.raises(TypeError, match=r"missing \['id'\]"):
        s.args(a=1)
    with pytest.raises(TypeError, match=r"unknown \['b'\]"):
        s.args(a=1, id=2, b=3)


def test_numbered_statements_still_work_and_mixing_is_refused() -> None:
    assert Statement("SELECT $1, $2").params == ()
    with pytest.raises(ValueError, match="mixed"):
        Statement("SELECT $1, :a")
