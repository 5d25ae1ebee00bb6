"""Which artifact a path names, and the ``ls``/``info`` entries of artifacts.

The rule for a name is the one of ``gh run download -n NAME``: of the
artifacts called NAME (in the repository, or in one run), the newest one
that has not expired (by ``created_at``, then id). When every one of them
has expired the answer is a :class:`~omefs.errors.NotFoundError` naming
the expiry date; a name with no artifact at all lists the names there are.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from omefs.errors import NotFoundError
from omefs.providers.github.artifacts.paths import ArtifactPath

__all__ = ["artifact_entry", "choose", "newest_per_name", "when", "expired_error", "nearest"]


def when(value: Any) -> datetime | None:
    """A GitHub timestamp (``…Z``) as an aware datetime, or None."""
    if not value:
        return None
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _key(raw: Mapping[str, Any]) -> tuple[str, int]:
    return str(raw.get("created_at") or ""), int(raw.get("id") or 0)


def artifact_entry(raw: Mapping[str, Any], name: str, *, kind: str = "file",
                   others: int = 0) -> dict[str, Any]:
    """An ``ls``/``info`` entry for an artifact: a folder in listings, its zip file in ``info``."""
    run = raw.get("workflow_run") or {}
    return {
        "name": name,
        "type": kind,
        "size": int(raw.get("size_in_bytes") or 0),
        "id": raw.get("id"),
        "artifact_name": raw.get("name"),
        "created": when(raw.get("created_at")),
        "updated": when(raw.get("updated_at")),
        "expires": when(raw.get("expires_at")),
        "expired": bool(raw.get("expired")),
        "run_id": run.get("id"),
        "head_branch": run.get("head_branch"),
        "head_sha": run.get("head_sha"),
        "digest": raw.get("digest"),
        "archive_download_url": raw.get("archive_download_url"),
        "others": others,
    }


def newest_per_name(raws: Iterable[Mapping[str, Any]]) -> dict[str, tuple[Mapping[str, Any], int]]:
    """For each name: the artifact it resolves to (newest non-expired, else newest) and how many
    other artifacts share the name."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for raw in raws:
        groups.setdefault(str(raw.get("name")), []).append(raw)
    out = {}
    for name, group in groups.items():
        live = [r for r in group if not r.get("expired")]
        out[name] = (max(live or group, key=_key), len(group) - 1)
    return out


def expired_error(raw: Mapping[str, Any], p: ArtifactPath, operation: str) -> NotFoundError:
    """The error for an artifact that has expired, naming the date."""
    return NotFoundError(
        f"{operation}: the artifact {raw.get('name')!r} (id {raw.get('id')}) of "
        f"{p.repo_path} expired on {raw.get('expires_at')}; GitHub deletes expired artifacts' "
        "files (re-run the workflow, or keep them longer with retention-days)",
        operation=operation, uri=str(p.artifact()), provider="github",
    )


def nearest(name: str, names: Iterable[str], limit: int = 5) -> list[str]:
    """The names closest to ``name`` (for "did you mean" messages), else the first few."""
    pool = sorted(set(names))
    close = difflib.get_close_matches(name, pool, n=limit, cutoff=0.4)
    return close or pool[:limit]


def choose(raws: list[dict[str, Any]], p: ArtifactPath, all_names: Iterable[str],
           operation: str) -> dict[str, Any]:
    """The artifact NAME resolves to among ``raws`` (artifacts of that name)."""
    if not raws:
        names = sorted(set(all_names))
        where = f"run {p.run_id} of {p.repo_path}" if p.run_id is not None else p.repo_path
        shown = ", ".join(names[:20]) + (", …" if len(names) > 20 else "") if names else "(none)"
        raise NotFoundError(
            f"{operation}: {where} has no artifact named {p.selector!r}; its artifacts: {shown}",
            operation=operation, uri=str(p.artifact()), provider="github",
        )
    live = [r for r in raws if not r.get("expired")]
    if not live:
        raise expired_error(max(raws, key=_key), p, operation)
    return max(live, key=_key)
