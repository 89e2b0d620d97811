"""How a check-up adds up (S7): pure arithmetic, shared by the sheet, the close of a cycle and the
tests.

* An assessment scores each indicator of the member's sets from 0 to its maximum; its score is the
  weighted share of the maximum, out of 100: Σ wᵢ·sᵢ/maxᵢ ÷ Σ wᵢ × 100.
* A party's score is the mean of its assessments (several peers, several residents).
* The total weighs the parties by the cycle's weights. A party nobody has assessed yet is left
  out and the others' weights are scaled up to 100 — the total is then marked incomplete (the
  sheet and the result list which parties are missing), instead of counting the gap as zero.
* The grade: 健康 from `healthy_from`, 亚健康 from `subhealthy_from`, else 不健康.
"""

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from .models import Grade, Party

CENT = Decimal("0.01")
CHUNK = 900


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def assessment_score(indicators: Iterable, scores: Mapping) -> Decimal:
    """`scores` maps indicator ids (int or str) to points; every indicator must be scored."""
    weighted = Decimal(0)
    weights = 0
    for indicator in indicators:
        value = scores.get(indicator.pk, scores.get(str(indicator.pk)))
        if indicator.max_score <= 0 or indicator.weight <= 0:
            continue
        weighted += Decimal(indicator.weight) * Decimal(value) / Decimal(indicator.max_score)
        weights += indicator.weight
    if not weights:
        return Decimal(0)
    return quantize(weighted / weights * 100)


def mean(values: Iterable[Decimal]) -> Decimal | None:
    values = [Decimal(v) for v in values]
    return quantize(sum(values) / len(values)) if values else None


def weighted_total(
    party_scores: Mapping[str, Decimal | None], weights: Mapping[str, int]
) -> tuple[Decimal | None, list[str]]:
    """(total out of 100 or None when nobody assessed, parties missing in sheet order)."""
    missing = [p for p in Party.values if party_scores.get(p) is None and weights.get(p, 0) > 0]
    present = [(p, party_scores[p]) for p in Party.values if party_scores.get(p) is not None]
    weight_sum = sum(weights.get(p, 0) for p, _ in present)
    if not present or weight_sum <= 0:
        return None, missing
    total = sum(Decimal(weights.get(p, 0)) * Decimal(score) for p, score in present) / weight_sum
    return quantize(total), missing


def grade_for(total: Decimal | None, healthy_from: Decimal, subhealthy_from: Decimal) -> str:
    if total is None:
        return ""
    if total >= healthy_from:
        return Grade.HEALTHY
    if total >= subhealthy_from:
        return Grade.SUBHEALTHY
    return Grade.UNHEALTHY


class Sheet:
    """A member's check-up so far: per party the mean score and how many assessed."""

    def __init__(self, cycle, member, party_rows: Mapping[str, tuple[Decimal, int]]):
        self.cycle = cycle
        self.member = member
        self.party_scores = {p: party_rows[p][0] if p in party_rows else None for p in Party.values}
        self.party_counts = {p: party_rows[p][1] if p in party_rows else 0 for p in Party.values}
        self.total, self.missing = weighted_total(self.party_scores, cycle.weights())
        self.grade = grade_for(self.total, cycle.healthy_from, cycle.subhealthy_from)

    @property
    def complete(self) -> bool:
        return not self.missing

    def grade_label(self) -> str:
        return str(Grade(self.grade).label) if self.grade else ""

    def rows(self) -> list[tuple[str, str, Decimal | None, int, int]]:
        """(party, label, score, assessments, weight) in sheet order, for templates."""
        weights = self.cycle.weights()
        return [
            (p, str(label), self.party_scores[p], self.party_counts[p], weights[p])
            for p, label in Party.choices
        ]


def sheets_for(cycle, members) -> list[Sheet]:
    """Sheets of many members with one query over their assessments."""
    from django.db.models import Avg, Count

    from .models import Assessment

    members = list(members)
    rows: dict[int, dict[str, tuple[Decimal, int]]] = {m.pk: {} for m in members}
    ids = list(rows)
    # In chunks: a street's thousands of members would overrun a database's bound parameters.
    for start in range(0, len(ids), CHUNK):
        aggregates = (
            Assessment.objects.filter(cycle=cycle, member_id__in=ids[start : start + CHUNK])
            .values("member_id", "party")
            .annotate(avg=Avg("score"), n=Count("pk"))
            .order_by()
        )
        for row in aggregates:
            average = quantize(Decimal(str(row["avg"])))
            rows[row["member_id"]][row["party"]] = (average, row["n"])
    return [Sheet(cycle, member, rows[member.pk]) for member in members]
