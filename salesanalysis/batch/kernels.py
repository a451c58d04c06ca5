"""A kernel kept warm across notebook runs, and the papermill engine that uses it.

Starting a kernel and importing pandas, seaborn and the package costs more than a
small report; a worker starts one kernel and, between runs, empties its namespace
so each notebook starts clean with only its own injected parameters.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading

from jupyter_client.manager import KernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

__all__ = ["WarmKernel", "ENGINE"]

ENGINE = "salesanalysis-warm"

# run in the kernel between notebooks: close figures, then drop every user name
_RESET = ("__import__('matplotlib.pyplot').pyplot.close('all'); "
          "get_ipython().reset(new_session=True, aggressive=False)")
# imported once per kernel so the first report does not pay for it
_WARM_UP = ("import salesanalysis, salesanalysis.reports.rep_review, salesanalysis.present.plots, "
            "seaborn")


class WarmKernel:
    """One started kernel with its client; ``reset()`` between runs."""

    def __init__(self, *, kernel_name: str = "python3", env: dict | None = None,
                 startup_timeout: float = 60):
        self.kernel_name = kernel_name
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.km: KernelManager | None = None
        self.kc = None

    def start(self) -> "WarmKernel":
        # local sockets (ipc) rather than TCP on loopback: nothing listens on a port
        self._sockets = tempfile.mkdtemp(prefix="salesanalysis-kernel-")
        self.km = KernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(self._sockets, "kernel"))
        self.km.start_kernel(env=self.env)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=self.startup_timeout)
        self._run(_WARM_UP)
        self._run(_RESET)
        return self

    def _run(self, code: str, timeout: float = 60) -> None:
        reply = self.kc.execute_interactive(code, silent=True, store_history=False,
                                            timeout=timeout)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"kernel setup failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def reset(self) -> None:
        """An empty namespace, as after a fresh start; restarts a dead kernel."""
        if not self.km.is_alive():
            self.restart()
            return
        self._run(_RESET)

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def interrupt_then_kill(self, grace: float = 5.0) -> threading.Timer:
        """Interrupt the running cell now; kill this kernel if it is still alive after
        ``grace`` seconds (a cell stuck outside Python ignores interrupts). A kernel
        started since, by a restart, is left alone."""
        km = self.km
        km.interrupt_kernel()
        timer = threading.Timer(grace, lambda: km.is_alive() and km.shutdown_kernel(now=True))
        timer.daemon = True
        timer.start()
        return timer

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        if self.km is not None:
            self.km.cleanup_resources()
            shutil.rmtree(self._sockets, ignore_errors=True)
        self.km = self.kc = None


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
