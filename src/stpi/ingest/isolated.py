"""Running a file check in a child process with its own memory and time limits.

openpyxl parses in pure Python: in the web server's process it would hold the GIL for seconds
and slow every other request. A child forked from a small preloaded server (``forkserver``)
starts in milliseconds, gets an address-space limit, and is killed when it runs out of time;
whatever the file does, the server only waits on a pipe.

As with any ``multiprocessing`` use, a script that serves the app must guard its top level with
``if __name__ == "__main__":`` (uvicorn, pytest and the ``stpi`` command do): the child imports
the main module.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from stpi.errors import InputError, Problem, StpiError

__all__ = ["WORKER_MEMORY_MB", "WORKER_SECONDS", "run_isolated"]

T = TypeVar("T")
WORKER_MEMORY_MB = 2048  # address space of one check: pandas and openpyxl need ~600 MB of it mapped
WORKER_SECONDS = 300.0  # wall-clock time of one check (10 MB of XLSX takes about a minute)
_PRELOAD = ["stpi.ingest.reader", "stpi.submissions"]
_lock = threading.Lock()
_slots = threading.BoundedSemaphore(2)  # checks at once: more would only share the same cores
_context: Any = None


def _ctx() -> Any:
    """The forkserver context, its server preloaded with the readers (started on first use)."""
    global _context
    with _lock:
        if _context is None:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            ctx = multiprocessing.get_context(method)
            if method == "forkserver":
                ctx.set_forkserver_preload(_PRELOAD)
            _context = ctx
        return _context


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> None:
    """In the child: limit memory, run, send back ("ok", result), ("input", problems) or ("error", text)."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform: the time limit still holds
        pass
    try:
        conn.send(("ok", fn(*args)))
    except InputError as exc:
        conn.send(("input", list(exc.problems)))
    except MemoryError:
        conn.send(("memory", None))
    except StpiError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # the child reports any failure as text; the parent turns it into a problem
        conn.send(("error", f"{type(exc).__name__}: {str(exc)[:300]}"))
    finally:
        conn.close()


def run_isolated(fn: Callable[..., T], *args: Any, file: str, memory_mb: int = WORKER_MEMORY_MB, seconds: float = WORKER_SECONDS) -> T:
    """``fn(*args)`` in a child process; its result, or :class:`InputError` located at ``file``.

    ``fn`` and its arguments must be picklable (module-level functions, plain data). Blocks the
    calling thread only; the web app calls it from a worker thread.
    """
    ctx = _ctx()
    with _slots:
        return _run(ctx, fn, args, file, memory_mb, seconds)


def _run(ctx: Any, fn: Callable[..., T], args: tuple[Any, ...], file: str, memory_mb: int, seconds: float) -> T:
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args, memory_mb), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise InputError([Problem(file, None, None, f"文件处理超过 {seconds:.0f} 秒,已停止 checking the file took longer than {seconds:.0f} s; stopped")])
        kind, payload = receive.recv()
    except EOFError:  # the child died without a word: killed (out of memory) or crashed
        kind, payload = "died", None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "died":
        kind, payload = "error", f"子进程意外退出 the checking process ended unexpectedly, exit code {child.exitcode}"
    if kind == "ok":
        result: T = payload
        return result
    if kind == "input":
        raise InputError(payload)
    if kind == "memory":
        reason = f"文件处理所需内存超过 {memory_mb} MB,已停止 checking the file needed more than {memory_mb} MB; stopped"
    else:
        reason = f"文件无法处理 the file could not be processed ({payload})"
    raise InputError([Problem(file, None, None, reason)])

