"""The municipality's own decisions: a case-system export, read where it is, aggregated.

``python -m benchmark register`` (:mod:`benchmark.register.cli`), the report section "Egna
beslut i år" and notebook ``05-egna-beslut`` use these steps:

* :func:`read_register` (:mod:`~benchmark.register.validate`): read a CSV or Excel export
  in the format of ``templates/register/`` (:mod:`~benchmark.register.format`), check it
  (personnummer first, :mod:`~benchmark.register.privacy`) and keep it in memory as a
  :class:`Register`, persons as anonymous numbers;
* :func:`stock`, :func:`reconciliation`, :func:`flow`: the three views, aggregated, with
  small cells hidden (:func:`~benchmark.register.privacy.suppress`);
* :func:`build` / :func:`render` (:mod:`~benchmark.register.views`): the views together as
  table, CSV or JSON; :mod:`~benchmark.register.present`: charts and tables for readers.

Examples
--------
>>> from benchmark.register import build, read_register  # doctest: +SKIP
>>> views = build(read_register("beslut.xlsx", sheet="Beslut"), "2482")  # doctest: +SKIP
>>> views.tables["flow"]  # doctest: +SKIP
"""

from __future__ import annotations

from benchmark.register.aggregate import flow_counts, persons_on
from benchmark.register.model import Register
from benchmark.register.stock import stock
from benchmark.register.tables import flow, reconciliation
from benchmark.register.validate import read_register
from benchmark.register.views import RegisterViews, build, render

__all__ = [
    "Register",
    "RegisterViews",
    "build",
    "flow",
    "flow_counts",
    "persons_on",
    "read_register",
    "reconciliation",
    "render",
    "stock",
]
