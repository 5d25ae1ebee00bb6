"""What the command line prints: durations, times, JSON, tables, error lines.

Everything the CLI writes goes through here, and every string that may
carry a value from outside (an SDK message, a URL with a SAS signature)
passes :func:`omefs.redact.redact_text` first, so no secret is printed.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from omefs.redact import redact_text
from omefs.sizes import format_rate, format_size

__all__ = [
    "format_duration",
    "jsonable",
    "print_error",
    "print_interrupted",
    "print_json",
    "report_to_dict",
    "want_progress",
]

def format_duration(seconds: float | None) -> str:
    """``0.4s``, ``12.3s``, ``4m12.0s``, ``1h02m03s``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}m{secs:04.1f}s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)}h{int(minutes):02d}m{int(secs):02d}s"


def format_time(value: Any) -> str | None:
    """A modification time from any backend's ``info()`` as ISO 8601, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return str(value.astimezone(_dt.timezone.utc).isoformat()).replace("+00:00", "Z")
    if isinstance(value, (int, float)):
        return format_time(_dt.datetime.fromtimestamp(value, tz=_dt.timezone.utc))
    text = str(value)
    try:
        return format_time(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return text


def jsonable(value: Any) -> Any:
    """``value`` turned into plain JSON types (datetimes to ISO, bytes to hex…), redacted."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return format_time(value) if isinstance(value, _dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, BaseException):
        return redact_text(f"{type(value).__name__}: {value}")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    items = getattr(value, "items", None)  # azure's DictMixin and other mapping-likes
    if callable(items):
        try:
            return {str(k): jsonable(v) for k, v in items()}
        except Exception:
            pass
    return redact_text(str(value))


def print_json(value: Any, stream: TextIO | None = None) -> None:
    """One JSON document on ``stream`` (stdout by default)."""
    stream = stream or sys.stdout
    json.dump(jsonable(value), stream, indent=2, sort_keys=False)
    stream.write("\n")
    stream.flush()


def print_error(message: str, stream: TextIO | None = None) -> None:
    """``omefs: error: MESSAGE`` on stderr, redacted."""
    stream = stream or sys.stderr
    stream.write(f"omefs: error: {redact_text(str(message))}\n")
    stream.flush()


def want_progress(disabled: bool) -> bool:
    """Progress bars only when both stdout and stderr are terminals."""
    if disabled:
        return False
    try:
        return sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# -- transfer reports -------------------------------------------------------

_ITEM_FIELDS = ("src", "dst", "bytes", "duration", "attempts", "status", "error")


def item_to_dict(item: Any) -> dict[str, Any]:
    """A :class:`TransferItem` as a JSON-ready mapping."""
    if isinstance(item, Mapping):
        raw = dict(item)
    elif callable(getattr(item, "to_dict", None)):
        raw = dict(item.to_dict())
    else:
        raw = {name: getattr(item, name, None) for name in _ITEM_FIELDS}
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        raw["error"] = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
    return {key: jsonable(value) for key, value in raw.items()}


def _items(report: Any, name: str) -> list[Any]:
    return list(getattr(report, name, None) or [])


def _report_bytes(report: Any, dry_run: bool) -> int:
    """Bytes copied, or for a dry run the bytes that would be."""
    if dry_run:
        return sum(int(getattr(i, "bytes", 0) or 0) for i in _items(report, "copied"))
    return int(getattr(report, "bytes", 0) or 0)


def report_to_dict(report: Any, *, command: str, dry_run: bool = False) -> dict[str, Any]:
    """A :class:`TransferReport` as one JSON document (totals, then every item)."""
    copied, skipped, failed = (_items(report, n) for n in ("copied", "skipped", "failed"))
    deleted = _items(report, "deleted")
    duration = float(getattr(report, "duration", 0.0) or 0.0)
    nbytes = _report_bytes(report, dry_run)
    out: dict[str, Any] = {
        "command": command,
        "ok": bool(getattr(report, "ok", not failed)),
        "dry_run": dry_run,
        "bytes": nbytes,
        "duration": round(duration, 6),
        "bytes_per_second": round(nbytes / duration, 1) if duration > 0 else None,
        "counts": {"copied": len(copied), "skipped": len(skipped), "failed": len(failed)},
        "copied": [item_to_dict(i) for i in copied],
        "skipped": [item_to_dict(i) for i in skipped],
        "failed": [item_to_dict(i) for i in failed],
    }
    if hasattr(report, "deleted"):
        out["counts"]["deleted"] = len(deleted)
        out["deleted"] = [item_to_dict(i) for i in deleted]
    return out


def print_report_summary(report: Any, *, dry_run: bool, show_deleted: bool = False,
                         stream: TextIO | None = None) -> None:
    """rclone-like totals: bytes and rate, objects, elapsed time."""
    stream = stream or sys.stdout
    copied, skipped, failed = (_items(report, n) for n in ("copied", "skipped", "failed"))
    deleted = _items(report, "deleted")
    duration = float(getattr(report, "duration", 0.0) or 0.0)
    nbytes = _report_bytes(report, dry_run)
    verb = "Would transfer" if dry_run else "Transferred"
    counts = f"{len(copied)} {'to copy' if dry_run else 'copied'}, {len(skipped)} skipped, {len(failed)} failed"
    if deleted or show_deleted:
        counts += f", {len(deleted)} {'to delete' if dry_run else 'deleted'}"
    lines = [
        f"{verb + ':':<16}{format_size(nbytes)}" + ("" if dry_run else f", {format_rate(nbytes, duration)}"),
        f"{'Objects:':<16}{counts}",
    ]
    if not dry_run:
        lines.append(f"{'Elapsed time:':<16}{format_duration(duration)}")
    stream.write("\n".join(lines) + "\n")
    stream.flush()


def print_failures(failed: Iterable[Any], stream: TextIO | None = None, *, limit: int = 50) -> None:
    """Every failed object (up to ``limit``) with its error, on stderr."""
    stream = stream or sys.stderr
    failed = list(failed)
    if not failed:
        return
    stream.write(f"omefs: {len(failed)} object(s) failed:\n")
    for item in failed[:limit]:
        d = item_to_dict(item)
        target = d.get("src") or d.get("dst") or "?"
        error = str(d.get("error") or "failed").strip()
        error = error.splitlines()[0] if error else "failed"
        if len(error) > 300:
            error = error[:300] + " …"
        stream.write(f"  {target}: {error}\n")
    if len(failed) > limit:
        stream.write(f"  … and {len(failed) - limit} more (use --json for the full list)\n")
    stream.flush()


def print_interrupted(report: Any, stream: TextIO | None = None, *, limit: int = 50) -> None:
    """What an interrupted transfer did, on stderr: totals, then each cancelled object."""
    stream = stream or sys.stderr
    cancelled = _items(report, "cancelled")
    stream.write(f"omefs: interrupted: {len(_items(report, 'copied'))} copied, "
                 f"{len(_items(report, 'skipped'))} skipped, {len(_items(report, 'failed'))} "
                 f"failed, {len(cancelled)} cancelled (nothing of a cancelled object is left "
                 "at the destination)\n")
    for item in cancelled[:limit]:
        d = item_to_dict(item)
        stream.write(f"  cancelled: {d.get('src') or '?'} -> {d.get('dst') or '?'}: "
                     f"{str(d.get('error') or 'cancelled').strip()}\n")
    if len(cancelled) > limit:
        stream.write(f"  … and {len(cancelled) - limit} more\n")
    stream.flush()
