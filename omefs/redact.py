"""Keeping secrets out of reprs, logs and error messages.

Two mechanisms work together:

* :func:`redact_settings` masks the values of keys that hold secrets
  (``secret_access_key``, ``account_key``, ``token``, ``private_key``…)
  wherever a settings mapping is shown.
* :func:`register_secret` remembers every secret value omefs has been handed
  (from an :class:`~omefs.config.AuthConfig` or a resolver), and
  :func:`redact_text` replaces any of them found in free text — an SDK
  error message that echoes a key, a URL with a SAS signature — with
  ``'***'``. It also masks secret-shaped fragments whatever their value:
  ``<SecretAccessKey>`` and ``<SessionToken>`` in STS replies,
  ``"access_token": "…"`` and the like in JSON or Python reprs,
  ``client_secret=``/``assertion=`` in form bodies, bearer tokens, SAS
  signatures, account keys and PEM private keys.

Logs: a filter on the ``omefs`` loggers masks their records, and
:func:`install_sdk_log_redaction` (installed when omefs first resolves
credentials) wraps the logging record factory so that every record —
botocore's, azure-core's, google-auth's, urllib3's, the application's —
is masked when it is created, before any handler formats it. It costs
nothing while logging is off, since no record is created then. Records
are masked, not dropped.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Mapping
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
     "credential_process_name", "client_certificate_path", "authorization_token_file",
     "credentials_file", "shared_credentials_file", "credential_config_file",
     "web_identity_token_file", "certificate_path", "token_lifetime", "sas_expiry"}
)
# Keys whose values are secret though the pattern above misses them.
_ALSO_SECRET = frozenset({"certificate_data", "identity_header", "client_assertion", "assertion",
                          "subject_token", "private_key_data", "customer_key"})

# Fragments of free text that are secret whatever we were told: SAS
# signatures, bearer tokens, Azure account keys in connection strings.
_TEXT_PATTERNS = [
    re.compile(r"(?i)(sig=)[^&\s;'\"]+"),
    re.compile(r"(?i)(AccountKey=)[^;\s'\"]+"),
    re.compile(r"(?i)(SharedAccessSignature=)[^;\s'\"]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|token|basic)\s+)[^\s'\",}]+"),
    re.compile(r"(?i)(x-amz-security-token['\"]?\s*[:=]\s*b?['\"]?)[^\s'\",}]+"),
    # JSON bodies and Python reprs: "SecretAccessKey": "…", 'WebIdentityToken': '…', b'…' values
    re.compile(r"(?i)(['\"](?:SecretAccessKey|SessionToken|Token|WebIdentityToken|access_?token|"
               r"id_token|refresh_token|client_secret|client_assertion|assertion|subject_token|"
               r"private_key|AccountKey|password|x-identity-header|x-aws-ec2-metadata-token|"
               r"secret_?key|aws_secret_access_key|aws_session_token)['\"]\s*[:=]\s*b?['\"])"
               r"[^'\"]+"),
    # XML bodies (STS)
    re.compile(r"(<(?:SecretAccessKey|SessionToken)>)[^<]+"),
    # form bodies and query strings
    re.compile(r"(?i)((?:^|[?&\s'\"(])(?:client_secret|client_assertion|assertion|subject_token|"
               r"WebIdentityToken|refresh_token|access_token|password)=)[^&\s'\"]+"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
]

_lock = threading.Lock()
_secrets: set[str] = set()
# Secrets shorter than this are not searched for in text: masking every
# "a" in a message would hide more than it protects.
_MIN_LEN = 6


class Secret(str):
    """A string that shows as ``'***'`` in ``repr`` — and so in the repr of any dict or list holding it.

    It is a ``str`` in every other way (``str()``, formatting, comparison,
    ``json``), so an SDK handed one uses the value. Storage options that
    must carry a raw secret (an account key, a SAS, a connection string)
    hold it as a :class:`Secret`, so printing the options shows no secret.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(MASK)


def secret(value: Any) -> Any:
    """``value`` as a registered :class:`Secret` when it is a string; anything else unchanged."""
    if isinstance(value, str) and not isinstance(value, Secret):
        register_secret(value)
        return Secret(value)
    return value


def is_secret_key(key: str) -> bool:
    """Whether a settings key holds a secret value."""
    k = str(key).lower()
    return k in _ALSO_SECRET or (k not in _NOT_SECRET and bool(_SECRET_KEY.search(k)))


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


def _walk_values(mapping: Mapping[str, Any]) -> Iterator[Any]:
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
        _redact_record(record, rewrite=True)
        return True


def _redact_record(record: logging.LogRecord, rewrite: bool = False) -> None:
    """Mask secrets in a record's message, arguments and exception text, in place.

    The record is changed only where a secret was found (its message is then
    stored formatted, without ``args``), unless ``rewrite`` asks to store the
    formatted message anyway (omefs's own loggers).
    """
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to logging
        return
    redacted = redact_text(message)
    if redacted != message or (rewrite and record.args):
        record.msg = redacted
        record.args = None
    if record.exc_info and not record.exc_text:
        import traceback

        text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        masked = redact_text(text)
        if masked != text:
            record.exc_text = masked
    elif record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_text(record.stack_info)


_factory_installed = False


def install_sdk_log_redaction() -> None:
    """Mask secrets in every log record as it is created, whichever library logs it (idempotent).

    SDKs log request parameters, signed headers and response bodies at
    DEBUG (botocore logs an STS reply with its ``SecretAccessKey``). A
    logger filter cannot catch those — filters are not inherited by child
    loggers — so this wraps :func:`logging.getLogRecordFactory` instead,
    keeping whatever factory was installed before.
    """
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


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


def find_secret_keys(settings: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The (dotted) keys of ``settings`` whose values are secrets, nested mappings included.

    A value counts when its key names a secret (:func:`is_secret_key`) and it
    is set (not None, empty or a flag), or when it is a :class:`Secret`.
    """
    found: list[str] = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if is_secret_key(str(key)) and any(v not in (None, "") for v in _walk_values(value)):
                found.append(name)
            else:
                found += find_secret_keys(value, name + ".")
        elif isinstance(value, Secret) or (
                is_secret_key(str(key)) and value not in (None, "") and not isinstance(value, bool)):
            found.append(name)
    return found


def holds_known_secret(data: bytes) -> bool:
    """Whether ``data`` (a pickle, a request body…) contains a secret omefs has been handed.

    Only secrets of 16 characters or more are looked for (real keys and tokens are
    longer): a short one would match ordinary bytes by chance.
    """
    with _lock:
        secrets = [s for s in _secrets if len(s) >= 16]
    return any(secret.encode() in data for secret in secrets)
