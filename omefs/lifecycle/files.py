"""Lifecycle rules to and from YAML or JSON text (``{rules: [...]}``), with PyYAML.

JSON is YAML, so one loader reads both; :func:`dumps` writes YAML by
default and JSON on request. Read-only extras are written with their
native document so that a file shows everything the bucket holds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from omefs.errors import ConfigError
from omefs.lifecycle.model import Rule, rule_to_dict, rules_from_data

__all__ = ["dumps", "load", "loads"]


def loads(text: str, *, source: str = "lifecycle rules") -> list[Rule]:
    """Rules from YAML or JSON text; ConfigError says where the text is wrong."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML or JSON: {exc}", operation="lifecycle") from None
    if data is None:
        return []
    return rules_from_data(data)


def load(path: str | os.PathLike[str]) -> list[Rule]:
    """Rules from a YAML or JSON file (``{rules: [...]}`` or a bare list)."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the lifecycle file {str(p)!r}: {exc.strerror or exc}",
                          operation="lifecycle") from None
    return loads(text, source=f"the lifecycle file {str(p)!r}")


def as_data(rules: list[Rule]) -> dict[str, Any]:
    """``{"rules": [...]}`` of plain values."""
    return {"rules": [rule_to_dict(r) for r in rules]}


def dumps(rules: list[Rule], *, format: str = "yaml") -> str:  # noqa: A002 - the natural name
    """``{rules: [...]}`` as YAML (default) or JSON (``format="json"``)."""
    data = as_data(rules)
    if format == "json":
        return json.dumps(data, indent=2) + "\n"
    if format != "yaml":
        raise ConfigError(f"lifecycle rules are written as yaml or json, not {format!r}",
                          operation="lifecycle")
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=None))
