"""A kernel kept warm across notebook runs, the watchdog that stops a run at its time
limit, and the papermill engine that uses both.

Starting a kernel and importing pandas, seaborn and the package costs more than a
small report; a worker starts one kernel and, between runs, empties its namespace
so each notebook starts clean with only its own injected parameters.

The kernel's client is asynchronous: nbclient then waits for replies without
blocking its event loop, so its check that the kernel is still alive (once a
second) runs while a cell executes, and a kernel that dies ends the run with a
``DeadKernelError`` instead of a wait for a reply that never comes.
"""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import signal
import tempfile
import threading
import time

from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from ..errors import KernelError

__all__ = ["WarmKernel", "Watchdog", "ENGINE"]

ENGINE = "salesanalysis-warm"

# run in the kernel between notebooks: close figures, then drop every user name
_RESET = ("__import__('matplotlib.pyplot').pyplot.close('all'); "
          "get_ipython().reset(new_session=True, aggressive=False)")
# imported once per kernel so the first report does not pay for it
_WARM_UP = ("import salesanalysis, salesanalysis.reports.rep_review, salesanalysis.present.plots, "
            "seaborn")
_ASYNC_CLIENT = "jupyter_client.asynchronous.AsyncKernelClient"
_POLL = 0.5  # seconds between checks that the kernel is still alive


def exit_cause(code: int | None) -> str:
    """How a process ended, from its exit code (negative: the signal that ended it)."""
    if code is None:
        return "unknown exit"
    if code < 0:
        try:
            return f"killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class WarmKernel:
    """One started kernel with its client; ``reset()`` between runs."""

    def __init__(self, *, kernel_name: str = "python3", env: dict | None = None,
                 startup_timeout: float = 60, sockets_dir: str | None = None):
        self.kernel_name = kernel_name
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.sockets_dir = sockets_dir
        self.km: KernelManager | None = None
        self.kc = None
        self._sockets = None

    def start(self) -> "WarmKernel":
        try:
            # local sockets (ipc) rather than TCP on loopback: nothing listens on a port
            prefix = "kernel-" if self.sockets_dir else "salesanalysis-kernel-"
            self._sockets = tempfile.mkdtemp(prefix=prefix, dir=self.sockets_dir)
            self.km = KernelManager(kernel_name=self.kernel_name, transport="ipc",
                                    ip=os.path.join(self._sockets, "kernel"),
                                    client_class=_ASYNC_CLIENT)
            self.km.start_kernel(env=self.env)
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            self._run(_WARM_UP)
            self._run(_RESET)
        except Exception as exc:
            code = self.exit_code()
            self.shutdown()
            if isinstance(exc, KernelError):
                raise
            detail = f" ({exit_cause(code)})" if code is not None else ""
            raise KernelError(f"the kernel did not start{detail}: "
                              f"{type(exc).__name__}: {exc}") from exc
        return self

    def _run(self, code: str, timeout: float = 60) -> None:
        """Execute ``code`` silently; fails early if the kernel dies meanwhile."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        get_msg = run_sync(self.kc.shell_channel.get_msg)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = get_msg(timeout=_POLL)
            except queue.Empty:
                if self.death() is not None:
                    raise KernelError(self.death())
                if time.monotonic() > deadline:
                    raise KernelError(f"the kernel did not answer within {timeout:g} s")
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelError(f"kernel setup failed: {content.get('ename')}: "
                              f"{content.get('evalue')}")

    def exit_code(self) -> int | None:
        """The kernel process's exit code once it has ended; None while it runs."""
        process = getattr(self.km.provisioner, "process", None) if self.km else None
        return None if process is None else process.poll()

    def death(self) -> str | None:
        """Why the kernel is gone (``"the kernel died (exit code 3)"``); None if alive."""
        code = self.exit_code()
        return None if code is None else f"the kernel died ({exit_cause(code)})"

    def reset(self) -> None:
        """An empty namespace, as after a fresh start; restarts a dead kernel."""
        if self.exit_code() is not None:
            self.restart()
            return
        self._run(_RESET)

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel's process group; safe from another thread, as it
        only signals and leaves the manager's state alone."""
        provisioner = self.km.provisioner if self.km else None
        if provisioner is not None and self.exit_code() is None:
            asyncio.run(provisioner.send_signal(signum))

    def shutdown(self) -> None:
        kc, km, sockets = self.kc, self.km, self._sockets
        self.km = self.kc = self._sockets = None  # never used again, even if this fails
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                if km.has_kernel:
                    km.shutdown_kernel(now=True)
                km.cleanup_resources()
        finally:
            if sockets is not None:
                shutil.rmtree(sockets, ignore_errors=True)


class Watchdog:
    """Stops a run at its time limit: interrupts the kernel at ``timeout`` seconds and
    kills it if it is still running ``grace`` seconds later (a cell that ignores SIGINT
    or is stuck outside Python). A dead kernel ends the run through nbclient."""

    def __init__(self, kernel: WarmKernel, timeout: float | None, grace: float = 5.0):
        self.kernel, self.timeout, self.grace = kernel, timeout, grace
        self.timed_out = self.killed = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name="salesanalysis-watchdog")

    def __enter__(self) -> "Watchdog":
        if self.timeout:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        if self._done.wait(self.timeout):
            return
        self.timed_out = True
        # what interrupt_kernel() sends to a kernel whose interrupt mode is "signal", as
        # ipykernel's; signalled here so that no kernel manager state changes under the run
        self.kernel.send_signal(signal.SIGINT)
        if self._done.wait(self.grace) or self.kernel.exit_code() is not None:
            return
        self.killed = True
        self.kernel.send_signal(signal.SIGKILL)


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine, executing in a given :class:`WarmKernel`."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, *, kernel: WarmKernel,
                                 execution_timeout=None, **kwargs):
        client = PapermillNotebookClient(nb_man, km=kernel.km, kernel_name=kernel_name,
                                         timeout=execution_timeout, log_output=False,
                                         startup_timeout=kernel.startup_timeout)
        client.kc = kernel.kc
        return client.execute(cleanup_kc=False)


papermill_engines.register(ENGINE, WarmEngine)
