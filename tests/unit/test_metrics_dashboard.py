"""The Grafana dashboard (deploy/grafana/parley.json) queries only metrics Parley exports,
and shows each of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import parley.kit.metrics  # noqa: F401 (registers every metric)

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "parley.json"
_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


def queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def families() -> dict[str, str]:
    return {f.name: f.type for f in REGISTRY.collect() if f.name.startswith("parley_")}


def test_every_metric_the_dashboard_queries_is_exported() -> None:
    exported = {name + end for name, kind in families().items() for end in _SUFFIXES[kind]}
    queried = {name for expr in queries() for name in re.findall(r"\bparley_[a-z_]+", expr)}
    assert queried, "the dashboard queries nothing"
    assert queried <= exported, queried - exported


def test_the_dashboard_shows_every_metric() -> None:
    text = " ".join(queries())
    assert not [name for name in families() if name not in text]
