"""The kernel-free notebook runner (benchmark.inprocess): parameters injected as papermill
does, outputs recorded as a kernel sends them, in order, and failures mapped to the
command line's error types. Runs in a child interpreter, since the runner installs the
process-wide IPython shell."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import json
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    from benchmark.errors import DataError, InputError
    from benchmark.inprocess import NotebookRunner

    params = new_code_cell("kommun = '2482'\\nn = 1", metadata={"tags": ["parameters"]})
    cells = [new_markdown_cell("# x"), params,
             new_code_cell("from IPython.display import HTML, display\\n"
                           "print('a')\\ndisplay(HTML(f'<b>{kommun}</b>'))\\n"
                           "import sys; print('warn', file=sys.stderr)\\nn * 21"),
             new_code_cell("leftover = 'kept?'")]
    runner = NotebookRunner()
    nb = runner.run(new_notebook(cells=cells), {"kommun": "0180", "n": 2}, name="t")
    out = {"cells": [[c.cell_type, c.get("metadata", {}).get("tags", []),
                      c.get("outputs", [])] for c in nb.cells]}
    # a second run starts from an empty namespace
    probe = new_notebook(cells=[params, new_code_cell("print('leftover' in dir())")])
    out["second"] = runner.run(probe, {}, name="t").cells[-1].outputs
    for source, kind in (("from benchmark.errors import InputError\\n"
                          "raise InputError('bad code 180; did you mean 0180?')", "input"),
                         ("1 / 0", "data"), ("def (:", "data")):
        try:
            runner.run(new_notebook(cells=[params, new_code_cell(source)]), {}, name="t")
        except InputError as exc:
            out[kind] = ["InputError", str(exc)]
        except DataError as exc:
            out[kind + ":" + source] = ["DataError", str(exc)]
    print(json.dumps(out))
''')


def test_runner_records_outputs_in_order_and_maps_errors() -> None:
    res = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    kinds = [(c[0], c[1]) for c in out["cells"]]
    # papermill's injected-parameters cell follows the parameters cell
    assert kinds[:4] == [("markdown", []), ("code", ["parameters"]),
                         ("code", ["injected-parameters"]), ("code", [])]
    outputs = out["cells"][3][2]
    assert [o["output_type"] for o in outputs] == ["stream", "display_data", "stream",
                                                   "execute_result"]
    assert outputs[0] == {"output_type": "stream", "name": "stdout", "text": "a\n"}
    assert outputs[1]["data"]["text/html"] == "<b>0180</b>"  # the injected value, as text
    assert outputs[2]["name"] == "stderr" and outputs[2]["text"] == "warn\n"
    assert outputs[3]["data"]["text/plain"] == "42" and outputs[3]["execution_count"] == 3
    assert out["second"][0]["text"] == "False\n"
    assert out["input"] == [
        "InputError", "bad code 180; did you mean 0180?"]
    assert out["data:1 / 0"] == ["DataError", "notebook t failed in cell 3: "
                                 "ZeroDivisionError: division by zero"]
    assert out["data:def (:"][0] == "DataError"
    assert "notebook t failed in cell 3: SyntaxError" in out["data:def (:"][1]
