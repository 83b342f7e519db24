"""The Grafana dashboards (provisioned JSON) checked without a Grafana: a data-source and a
site variable on each, every panel described, every expression parsed by a PromQL parser
(promql-parser) and naming only metrics the services register, rates over
``$__rate_interval``, and the site chosen applied wherever a metric has a site."""

import importlib
import json
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
# Grafana's variables, as Prometheus would receive them.
VARIABLES = {"$__rate_interval": "1m", "$__range": "7d", "$__interval": "1m", "$site": ".*"}


def registered() -> dict[str, tuple[str, ...]]:
    """Each metric the services expose, by its sample name, with its labels."""
    for service in ("intake", "sla", "notify", "projections"):
        importlib.import_module(f"complaint_desk.services.{service}.app").build_app()
    found: dict[str, tuple[str, ...]] = {"up": ("job", "instance")}
    for name, collector in REGISTRY._names_to_collectors.items():
        found[name] = tuple(getattr(collector, "_labelnames", ()))
    return found


def selectors(node: Any) -> list[Any]:
    """The vector selectors in a parsed expression."""
    if type(node).__name__ == "VectorSelector":
        return [node]
    found = []
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None and type(child).__module__.startswith("promql_parser"):
            found += selectors(child)
    for arg in getattr(node, "args", None) or []:
        found += selectors(arg)
    return found


def panels(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["panels"])


def expanded(expr: str) -> str:
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    return expr


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_each_dashboard_has_a_data_source_and_a_site_variable(path: Path) -> None:
    board = json.loads(path.read_text(encoding="utf-8"))
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["site"]["multi"] and variables["site"]["includeAll"]
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_expression_parses_and_names_registered_metrics(path: Path) -> None:
    metrics = registered()
    for panel in panels(path):
        assert panel.get("description"), f"{panel['title']} has no description"
        for target in panel["targets"]:
            expr = target["expr"]
            assert not re.search(r"\[\d+[smhd]\]", expr), f"a fixed range in {expr}"
            ast = promql_parser.parse(expanded(expr))
            for selector in selectors(ast):
                name = selector.name
                assert name in metrics, f"{panel['title']}: {name} is not a metric of ours"
                labels = set(metrics[name])
                named = {m.name for m in selector.matchers.matchers}
                assert named <= labels | {"__name__"}, f"{name} has no label {named - labels}"
                if "site" in labels and path.stem == "business":
                    assert "site" in named, f"{panel['title']}: {name} ignores the chosen site"


def test_the_checks_see_a_wrong_expression() -> None:
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(desk_http_request_seconds_bucket[1m])")
    assert [s.name for s in selectors(promql_parser.parse("sum(rate(x_total{a='b'}[1m])) / y"))] \
        == ["x_total", "y"]  # fmt: skip
