"""One municipality against Riket and a peer group, per LSS category.

A thin re-export kept for existing imports: the comparison core lives in
:mod:`benchmark.comparison` (peer groups in :mod:`benchmark.comparison.peers`).
"""

from __future__ import annotations

from benchmark.comparison import Method, PeerGroup, compare, history, resolve_peer_group

__all__ = ["Method", "PeerGroup", "compare", "history", "resolve_peer_group"]
