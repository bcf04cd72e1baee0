"""The targets a benchmark case is held to (issue 13), checked and printed beside its figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Goal:
    """A target: p95 under `p95_ms`, at most `sql_ratio` × the SQL's p95, the same number of queries for every
    parameter (`constant_queries`)."""

    p95_ms: float | None = None
    sql_ratio: float | None = None
    constant_queries: bool = False

    def describe(self) -> str:
        parts = []
        if self.p95_ms is not None:
            parts.append(f"p95<{self.p95_ms:g}ms")
        if self.sql_ratio is not None:
            parts.append(f"≤{self.sql_ratio:g}×SQL")
        if self.constant_queries:
            parts.append("bounded queries")
        return ", ".join(parts)

    def missed(self, result: Any) -> list[str]:
        """What of the goal the result (a bench.run.Result) misses; empty: met."""
        out = []
        if self.p95_ms is not None and result.p95_ms >= self.p95_ms:
            out.append(f"p95 {result.p95_ms:.1f} ms ≥ {self.p95_ms:g} ms")
        if self.sql_ratio is not None and result.p95_ms > self.sql_ratio * result.sql_p95_ms:
            out.append(f"p95 {result.p95_ms / max(result.sql_p95_ms, 1e-9):.1f}× the SQL's > {self.sql_ratio:g}×")
        # Bounded: the same count for every parameter, give or take one (a prefetch Django skips when its section
        # is empty, e.g. the attachments of a customer without follow-ups); more would mean a query per row.
        if self.constant_queries and result.queries and max(result.queries) - min(result.queries) > 1:
            out.append(f"queries vary {min(result.queries)}-{max(result.queries)}")
        return out


# Goals of issue 13 (PostgreSQL at scale): list API p95 ≤ 2× its SQL and < 30 ms, search < 50 ms, the 360 < 50 ms
# with a constant number of queries, board and funnel < 200 ms.
LIST_GOAL = Goal(p95_ms=30, sql_ratio=2)
SEARCH_GOAL = Goal(p95_ms=50)
CUSTOMER_360_GOAL = Goal(p95_ms=50, constant_queries=True)
BOARD_GOAL = Goal(p95_ms=200)
