"""Recording with the Tensor front-end's plan caches emptied (``mytorch.tensor._PLANS``), for the
tests that compare what the lanes record with what ``_attach`` records, or one table of VJP
choosers with another."""

from __future__ import annotations

from typing import Any

from mytorch import tensor as tensor_module


def forget_cached_plans(monkeypatch: Any, cache: dict[Any, Any]) -> None:
    """Until ``monkeypatch`` undoes it: the plans cached for every kernel are taken out of the
    caches its operators and functions hold (``_plans_of``), so that the lanes find none and hand
    every operation to ``_attach``, which plans afresh into ``cache`` (in place of ``_PLANS``)."""
    for plans in list(tensor_module._PLANS.values()):
        for key in list(plans):
            monkeypatch.delitem(plans, key)
    monkeypatch.setattr(tensor_module, "_PLANS", cache)
