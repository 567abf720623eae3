"""What one ``fetch`` did (:class:`FetchSummary`), and its one-screen rendering."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FetchSummary:
    """What one fetch did; ``render()`` gives a one-screen summary."""

    years: list[int]
    offline: bool = False
    http_attempts: int = 0  # every HTTP request sent, retries included
    saved: int = 0  # new snapshots written
    reused: int = 0  # snapshots served from disk
    items: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    minimum_requests: int | None = None
    synthetic: bool = False
    removed_partial: int = 0
    year_choice: str = ""  # how the years were chosen when none were given
    discovery_requests: int = 0  # the requests that chose the years (0 when given)

    @property
    def requests_made(self) -> int:
        return self.http_attempts

    def render(self) -> str:
        span = (f"{self.years[0]}–{self.years[-1]}" if self.years == list(
            range(self.years[0], self.years[-1] + 1)) else ", ".join(map(str, self.years)))
        lines = [f"Fetch {'(offline) ' if self.offline else ''}for {span}"
                 + (" — SYNTHETIC demo data" if self.synthetic else "")]
        if self.year_choice:
            lines.append(f"  years: {self.year_choice}")
        lines.append(f"  HTTP requests made: {self.http_attempts} (new snapshots saved: "
                     f"{self.saved}; snapshots reused from disk: {self.reused})")
        if self.minimum_requests is not None:
            lines.append(f"  fewest requests the API limits allow for a fresh fetch: "
                         f"{self.minimum_requests}")
        for name, n in self.items.items():
            lines.append(f"  {name}: {n:,}".replace(",", " "))
        if self.removed_partial:
            lines.append(f"  removed {self.removed_partial} partial file(s) of an interrupted "
                         "fetch")
        for note in self.notes:
            lines.append(f"  note: {note}")
        if self.missing:
            lines.append(f"  missing ({len(self.missing)}):")
            lines += [f"    - {m}" for m in self.missing]
        else:
            lines.append("  complete: nothing missing; run `make process` next")
        return "\n".join(lines)
