"""Keeping secrets out of reprs, logs and error messages.

Two mechanisms work together:

* :func:`redact_settings` masks the values of keys that hold secrets
  (``secret_access_key``, ``account_key``, ``token``, ``private_key``…)
  wherever a settings mapping is shown.
* :func:`register_secret` remembers every secret value omefs has been handed
  (from an :class:`~omefs.config.AuthConfig` or a resolver), and
  :func:`redact_text` replaces any of them found in free text — an SDK
  error message that echoes a key, a URL with a SAS signature — with
  ``'***'``. A logging filter installed on the ``omefs`` logger applies it
  to every record.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "***"

# Keys whose values are secret, matched case-insensitively on the key name.
_SECRET_KEY = re.compile(
    r"(secret|password|passphrase|token|private_key|account_key|accountkey|"
    r"sas|signature|credential|connection_string|key_json|key_content|sig$)",
    re.IGNORECASE,
)
# Keys that look secret by the pattern above but are not.
_NOT_SECRET = frozenset(
    {"token_file", "token_uri", "use_session_token", "key_file", "private_key_path",
     "credential_source", "token_url", "security_token_file", "federated_token_file",
     "credential_process_name", "client_certificate_path"}
)

# Fragments of free text that are secret whatever we were told: SAS
# signatures, bearer tokens, Azure account keys in connection strings.
_TEXT_PATTERNS = [
    re.compile(r"(?i)(sig=)[^&\s;'\"]+"),
    re.compile(r"(?i)(AccountKey=)[^;\s'\"]+"),
    re.compile(r"(?i)(SharedAccessSignature=)[^;\s'\"]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|token|basic)\s+)[^\s'\",}]+"),
    re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
]

_lock = threading.Lock()
_secrets: set[str] = set()
# Secrets shorter than this are not searched for in text: masking every
# "a" in a message would hide more than it protects.
_MIN_LEN = 6


def is_secret_key(key: str) -> bool:
    """Whether a settings key holds a secret value."""
    k = str(key).lower()
    return k not in _NOT_SECRET and bool(_SECRET_KEY.search(k))


def register_secret(value: Any) -> None:
    """Remember a secret value so that :func:`redact_text` masks it anywhere."""
    if isinstance(value, bytes):
        try:
            value = value.decode()
        except UnicodeDecodeError:
            return
    if isinstance(value, str) and len(value) >= _MIN_LEN:
        with _lock:
            _secrets.add(value)
            # A PEM key also appears in messages line by line.
            for line in value.splitlines():
                line = line.strip()
                if len(line) >= 16 and not line.startswith("-----"):
                    _secrets.add(line)


def register_secrets_in(settings: Mapping[str, Any]) -> None:
    """Register every secret value of a (possibly nested) settings mapping."""
    for key, value in settings.items():
        if isinstance(value, Mapping):
            if is_secret_key(key):
                for inner in _walk_values(value):
                    register_secret(inner)
            else:
                register_secrets_in(value)
        elif is_secret_key(key):
            register_secret(value)


def _walk_values(mapping: Mapping[str, Any]):
    for value in mapping.values():
        if isinstance(value, Mapping):
            yield from _walk_values(value)
        else:
            yield value


def redact_settings(settings: Any) -> Any:
    """A copy of ``settings`` with every secret value replaced by ``'***'``."""
    if isinstance(settings, Mapping):
        out: dict[str, Any] = {}
        for key, value in settings.items():
            if is_secret_key(key) and value is not None and not isinstance(value, bool):
                out[key] = MASK
            else:
                out[key] = redact_settings(value)
        return out
    if isinstance(settings, (list, tuple)):
        return type(settings)(redact_settings(v) for v in settings)
    if isinstance(settings, str):
        return redact_text(settings)
    return settings


def redact_text(text: str) -> str:
    """``text`` with every known secret and secret-shaped fragment masked."""
    if not text:
        return text
    for pattern in _TEXT_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        else:
            text = pattern.sub(MASK, text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging
            return True
        redacted = redact_text(message)
        if redacted != message or record.args:
            record.msg = redacted
            record.args = None
        return True


def install_log_filter(logger_name: str = "omefs") -> None:
    """Attach :class:`RedactingFilter` to ``logger_name`` (idempotent)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` (an ``omefs.*`` name) with the redacting filter on it.

    Logger filters are not inherited by child loggers, so every omefs module
    takes its logger from here rather than from :func:`logging.getLogger`.
    """
    install_log_filter(name)
    return logging.getLogger(name)
