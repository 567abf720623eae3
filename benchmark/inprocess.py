"""Execute a notebook inside this Python process, without a kernel.

The batch runner (:mod:`benchmark.batch`) renders hundreds of reports; starting a kernel
for each costs seconds, and talking to one over ZeroMQ adds a round trip per cell. Here an
IPython shell in the worker process runs the code cells, so imports and caches are shared
between reports. Parameters are injected by papermill's own
:func:`~papermill.parameterize.parameterize_notebook` (the ``injected-parameters`` cell a
papermill run gets), and the outputs are recorded as a kernel would send them:
``display_data`` for ``display(...)``, ``execute_result`` for a cell's last expression,
``stream`` for stdout and stderr, in the order they happen. The single report
(:func:`benchmark.report.build_report`) still runs the notebook with papermill in a kernel;
``tests/test_batch.py`` checks that both give the same report.
"""

from __future__ import annotations

import contextlib
import gc
import io
from typing import Any, ClassVar

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets import Type
from traitlets.config import Config

from benchmark.errors import DataError, InputError

Output = dict[str, Any]


class _Sink:
    """Where the outputs of the running cell go."""

    outputs: ClassVar[list[Output]] = []


class _Publisher(DisplayPublisher):
    """``display(...)`` → a ``display_data`` output of the running cell."""

    def publish(self, data: dict[str, Any], metadata: dict[str, Any] | None = None,
                *args: Any, **kwargs: Any) -> None:
        _Sink.outputs.append(nbformat.v4.new_output(
            "display_data", data=dict(data), metadata=dict(metadata or {})))

    def clear_output(self, wait: bool = False) -> None:
        _Sink.outputs.clear()


class _Hook(DisplayHook):
    """A cell's last expression → an ``execute_result`` output (nothing printed)."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict: dict[str, Any],
                          md_dict: dict[str, Any] | None = None) -> None:
        _Sink.outputs.append(nbformat.v4.new_output(  # execution_count: set by the runner
            "execute_result", data=dict(format_dict), metadata=dict(md_dict or {})))

    def finish_displayhook(self) -> None:
        self._is_active = False


class _Stream(io.TextIOBase):
    """stdout/stderr → ``stream`` outputs (consecutive writes to one stream merged)."""

    def __init__(self, name: str) -> None:
        self.name_ = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        outputs = _Sink.outputs
        if outputs and outputs[-1].get("output_type") == "stream" \
                and outputs[-1].get("name") == self.name_:
            outputs[-1]["text"] += text
        else:
            outputs.append(nbformat.v4.new_output("stream", name=self.name_, text=text))
        return len(text)


class _Shell(InteractiveShell):
    display_pub_class = Type(_Publisher)
    displayhook_class = Type(_Hook)


class NotebookRunner:
    """Runs notebooks one after the other in one IPython shell of this process.

    Each :meth:`run` starts from an empty namespace (modules already imported stay
    imported). Only one runner per process: IPython's ``display`` finds the shell as the
    process-wide instance.
    """

    def __init__(self) -> None:
        config = Config()
        config.HistoryManager.enabled = False  # no history database on disk
        self.shell = _Shell.instance(config=config)
        self._runs = 0

    def run(self, nb: Any, parameters: dict[str, Any], *, name: str = "notebook") -> Any:
        """Execute a copy of ``nb`` with ``parameters`` injected; returns the executed
        notebook. A failing cell raises :class:`InputError` when the notebook raised one
        (bad input), else :class:`DataError` naming the cell."""
        from papermill.parameterize import parameterize_notebook

        nb = nbformat.from_dict(nb)
        _as_papermill_loads(nb)
        nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
        self.shell.reset(new_session=True)  # ends with a full gc.collect()
        if self._runs == 1:
            # what outlives the first notebook (modules, caches) is long-lived: keep it out
            # of the collections that every later reset makes (about 0.1 s per report)
            gc.freeze()
        self._runs += 1
        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            cell.outputs = _Sink.outputs = []
            with contextlib.redirect_stdout(_Stream("stdout")), \
                    contextlib.redirect_stderr(_Stream("stderr")):
                result = self.shell.run_cell(cell.source, store_history=False)
            cell.execution_count = count
            for output in cell.outputs:
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = count
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                if isinstance(error, InputError):
                    raise InputError(str(error).splitlines()[0]) from None
                raise DataError(f"notebook {name} failed in cell {count}: "
                                f"{type(error).__name__}: {error}") from None
        _Sink.outputs = []
        return nb


def _as_papermill_loads(nb: Any) -> None:
    """The metadata papermill's loader (``papermill.iorw.load_notebook_node``) adds."""
    from papermill import __version__

    nb.metadata.setdefault("papermill", {"default_parameters": {}, "parameters": {},
                                         "environment_variables": {}, "version": __version__})
    for cell in nb.cells:
        cell.setdefault("metadata", {}).setdefault("tags", [])
        cell.metadata.setdefault("papermill", {})
