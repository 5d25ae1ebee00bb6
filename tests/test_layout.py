"""The shape of the package: small modules, and every exception class in ``omefs.errors``."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "omefs"
MAX_LINES = 500

#: Modules allowed over the limit (none).
PENDING: set[str] = set()

#: Modules that still define an exception class of their own, to be moved into
#: omefs/errors.py by the changes that own them (the CLI, the copy engine and
#: the provider base class).
PENDING_EXCEPTIONS: set[str] = set()

_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_over_the_limit():
    long = {_name(p): _lines(p) for p in _modules() if _lines(p) > MAX_LINES}
    over = {name: n for name, n in long.items() if name not in PENDING}
    assert not over, "modules over {} lines: {}".format(
        MAX_LINES, ", ".join(f"{name} ({n})" for name, n in sorted(over.items()))
    )


def test_pending_list_is_current():
    # A pending module that is split (or gone) leaves the list.
    stale = {name for name in PENDING
             if not (PACKAGE.parent / name).exists() or _lines(PACKAGE.parent / name) <= MAX_LINES}
    assert not stale, f"no longer over {MAX_LINES} lines, remove from PENDING: {sorted(stale)}"


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return _base_name(node.value)
    return ""


def _exception_classes(path: Path, known: set[str]) -> list[str]:
    """Classes in ``path`` deriving from a built-in exception, an ``…Error``/``…Exception``
    class, or another exception class already found (``known``)."""
    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {_base_name(b) for b in node.bases}
        if any(b in _BUILTIN_EXCEPTIONS or b in known or b.endswith(("Error", "Exception"))
               for b in bases):
            found.append(node.name)
            known.add(node.name)
    return found


def test_every_exception_class_is_in_errors():
    known: set[str] = set()
    errors = PACKAGE / "errors.py"
    assert _exception_classes(errors, known), "omefs/errors.py defines the exceptions"
    elsewhere = {}
    for path in _modules():
        if path == errors:
            continue
        classes = _exception_classes(path, known)
        if classes and _name(path) not in PENDING_EXCEPTIONS:
            elsewhere[_name(path)] = classes
    assert not elsewhere, f"exception classes outside omefs/errors.py: {elsewhere}"
    moved = {name for name in PENDING_EXCEPTIONS
             if not (PACKAGE.parent / name).exists()
             or not _exception_classes(PACKAGE.parent / name, set(known))}
    assert not moved, f"no exception class left, remove from PENDING_EXCEPTIONS: {sorted(moved)}"


def test_moved_exceptions_keep_their_bases():
    from omefs import errors

    assert issubclass(errors.RateLimitError, errors.OmefsError)
    assert issubclass(errors.AssetTooLargeError, errors.OmefsError)
    assert issubclass(errors.AssetTooLargeError, ValueError)
    assert issubclass(errors.IsAReleaseError, IsADirectoryError)
    assert issubclass(errors.AlreadyExistsError, errors.OmefsError)
    assert issubclass(errors.AlreadyExistsError, FileExistsError)
    assert issubclass(errors.TruncatedBodyError, OSError)
    err = errors.RateLimitError("slow down", kind="secondary", retry_after=3.0, provider="github")
    assert (err.kind, err.retry_after, err.provider) == ("secondary", 3.0, "github")
