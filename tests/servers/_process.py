"""Run a local test server as a child process, and stop it for sure.

:class:`ServerProcess` starts one command in its own process group with its
output going to a temporary log file, waits until a readiness probe answers
(failing fast, with the log, when the process exits or the probe times out)
and stops it by its pid: SIGTERM to its process group, SIGKILL after a
timeout. Every live process is also stopped at interpreter exit and on
SIGTERM (when nobody else handles SIGTERM).

:class:`ManagedServer` is the base of the moto / GCS emulator / Azurite
wrappers: it picks a free port, builds the command and retries on the rare
port race.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
LOG_TAIL = 6000


class ServerError(RuntimeError):
    """A local test server could not be started or used."""


class ServerStartError(ServerError):
    """The server process exited early or never became ready; the message holds its log."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log


class ServerNotInstalled(ServerError):
    """The server's program is missing."""


def free_port(host: str = HOST) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def http_request(method: str, url: str, body: bytes | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    """One plain HTTP request (no proxies from the environment): ``(status, body)``."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or HOST, parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request(method, path, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def http_probe(url: str, ok: Callable[[int], bool] = lambda status: status < 500,
               timeout: float = 1.0) -> Callable[[], bool]:
    """A readiness probe: True once ``GET url`` answers with a status ``ok`` accepts."""

    def probe() -> bool:
        try:
            status, _ = http_request("GET", url, timeout=timeout)
        except (OSError, http.client.HTTPException):
            return False
        return ok(status)

    return probe


# ---------------------------------------------------------------------------
# Registry of live processes: stopped at exit and on SIGTERM.

_LIVE: set[ServerProcess] = set()
_LOCK = threading.Lock()
_HOOKS_INSTALLED = False


def stop_all() -> None:
    """Stop every server process this interpreter started and has not stopped yet."""
    with _LOCK:
        live = list(_LIVE)
    for proc in live:
        with contextlib.suppress(Exception):
            proc.stop()


def _on_sigterm(signum: int, frame: Any) -> None:
    stop_all()
    # Die of SIGTERM as if nobody had caught it.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_hooks() -> None:
    global _HOOKS_INSTALLED
    if _HOOKS_INSTALLED:
        return
    _HOOKS_INSTALLED = True
    atexit.register(stop_all)
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, _on_sigterm)


class ServerProcess:
    """One server command: started in its own process group, logged to a temp file.

    ``ready`` is a callable returning True once the server answers (see
    :func:`http_probe`). :meth:`start` returns when it does, and raises
    :class:`ServerStartError` carrying the log when the process exits first or
    ``timeout`` seconds pass.
    """

    def __init__(self, name: str, argv: Sequence[str], *, ready: Callable[[], bool] | None = None,
                 env: Mapping[str, str] | None = None, cwd: str | None = None,
                 timeout: float = STARTUP_TIMEOUT) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.ready = ready
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: str | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it to be ready."""
        if self.proc is not None:
            raise ServerError(f"{self.name}: already started")
        fd, self.log_path = tempfile.mkstemp(prefix=f"omefs-{self.name}-", suffix=".log")
        _install_hooks()
        try:
            with os.fdopen(fd, "wb") as log:
                self.proc = subprocess.Popen(
                    self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    env=self.env, cwd=self.cwd, start_new_session=True, close_fds=True)
        except OSError as e:
            self._remove_log()
            raise ServerStartError(f"{self.name}: cannot run {self.argv[0]!r}: {e}") from e
        with _LOCK:
            _LIVE.add(self)
        return self

    def wait_ready(self) -> ServerProcess:
        """Poll ``ready`` until it answers; fail fast when the process exits."""
        if self.proc is None:
            raise ServerError(f"{self.name}: not started")
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            code = self.proc.poll()
            if code is not None:
                self._fail(f"exited with code {code} before it was ready")
            if self.ready is None or self.ready():
                return self
            if time.monotonic() >= deadline:
                self._fail(f"not ready after {self.timeout:g} s")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def start(self) -> ServerProcess:
        self.launch()
        return self.wait_ready()

    def log(self) -> str:
        """The output so far (its last ``LOG_TAIL`` characters)."""
        if not self.log_path:
            return ""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - LOG_TAIL))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _fail(self, why: str) -> None:
        self.stop(keep_log=True)
        log = self.log()
        self._remove_log()
        raise ServerStartError(
            f"{self.name} {why}.\ncommand: {' '.join(self.argv)}\n--- log ---\n{log.rstrip()}\n--- end of log ---",
            log)

    def stop(self, timeout: float = STOP_TIMEOUT, keep_log: bool = False) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` s; the exit code."""
        proc = self.proc
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                # Still unreaped, so proc.pid (= its process group id) cannot have been reused.
                self._signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._signal(signal.SIGKILL)
                    proc.wait(timeout)
        finally:
            with _LOCK:
                _LIVE.discard(self)
            if not keep_log:
                self._remove_log()
        return proc.returncode

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)

    def _remove_log(self) -> None:
        if self.log_path:
            with contextlib.suppress(OSError):
                os.unlink(self.log_path)
            self.log_path = None

    def __enter__(self) -> ServerProcess:
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerProcess {self.name} pid={self.pid}>"


_PORT_IN_USE = ("address already in use", "eaddrinuse", "errno 98", "errno 48")


class ManagedServer:
    """Base of the server wrappers: a :class:`ServerProcess` on ``host:port``.

    Subclasses give :meth:`command`, :meth:`probe` and optionally :meth:`env`,
    :meth:`after_start` (provisioning) and :meth:`reset`.
    """

    name = "server"

    def __init__(self, host: str = HOST, port: int | None = None,
                 startup_timeout: float = STARTUP_TIMEOUT) -> None:
        self.host = host
        self._fixed_port = port
        self.port = port or 0
        self.startup_timeout = startup_timeout
        self.process: ServerProcess | None = None

    # -- for subclasses ---------------------------------------------------
    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def cwd(self) -> str | None:
        return None

    def probe(self) -> bool:
        raise NotImplementedError

    def after_start(self) -> None:
        """Runs once the server answers (e.g. provisioning)."""

    def reset(self) -> None:
        """Wipe the server's state."""
        raise NotImplementedError

    def info(self) -> dict[str, Any]:
        """Connection details, JSON-serialisable."""
        return {"endpoint": self.endpoint}

    # -- lifecycle ----------------------------------------------------------
    @property
    def endpoint(self) -> str:
        if not self.port:
            raise ServerError(f"{self.name}: not started")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    def launch(self) -> None:
        """Start the process; :meth:`wait_ready` finishes :meth:`start`."""
        if self.running():
            raise ServerError(f"{self.name}: already running at {self.endpoint}")
        self.port = self._fixed_port or free_port(self.host)
        self.process = ServerProcess(self.name, self.command(), ready=self.probe, env=self.env(),
                                     cwd=self.cwd(), timeout=self.startup_timeout)
        self.process.launch()

    def wait_ready(self, attempts: int = 3) -> None:
        assert self.process is not None
        try:
            for attempt in range(attempts):
                try:
                    self.process.wait_ready()
                    break
                except ServerStartError as e:
                    race = any(s in e.log.lower() for s in _PORT_IN_USE)
                    if not race or self._fixed_port or attempt == attempts - 1:
                        raise
                    self.launch()  # another process took the port in the meantime
            self.after_start()
        except BaseException:
            self.stop()
            raise

    def start(self) -> ManagedServer:
        self.launch()
        self.wait_ready()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def log(self) -> str:
        return self.process.log() if self.process else ""

    def __enter__(self) -> ManagedServer:
        if not self.running():
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint if self.port else "not started"
        return f"<{type(self).__name__} {where}>"
