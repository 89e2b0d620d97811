"""Star ratings (党员12星级管理, S6): which stars a subject earned in a rating period.

Stars are never typed in: `compute(period)` reads the period's ledger entries (reversals
included), the democratic-evaluation scores and the disqualifications, applies each active
`StarItem` rule, and returns one result per subject together with a fingerprint of everything
it read. `sixfold.points.actions.compute_period` stores that atomically; running it again on
the same inputs gives the same fingerprint and the same results.

Who is rated: a pillar registers a *population* for its subject type (the party pillar: its
active members), so people with no entries still get a row (with no stars). Without one, the
subjects with entries in the period are rated.

`star_counts(people)` is what boards call to show stars beside names: a fixed number of
queries whatever the number of people.
"""

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from . import ledger
from .models import (
    Disqualification,
    EvaluationScore,
    LedgerEntry,
    PeriodKind,
    RatingPeriod,
    RatingResult,
    StarItem,
)

PERIOD_PATTERN = re.compile(r"^(?P<year>20\d\d)(?:Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True)
class Member:
    """Someone a population puts up for rating: subject id, name and region code."""

    subject_id: int
    name: str
    code: str


# subject type → function(period) returning the subjects to rate
_POPULATIONS: dict[str, Callable[[RatingPeriod], Iterable[Member]]] = {}


def register_population(subject_type: str, population: Callable) -> None:
    _POPULATIONS[subject_type] = population


# --- periods ---------------------------------------------------------------------------------------
def parse_period(code: str) -> tuple[str, dt.date, dt.date]:
    """'2026Q3' → (quarter, 2026-07-01, 2026-09-30); '2026' → (year, 2026-01-01, 2026-12-31)."""
    match = PERIOD_PATTERN.match((code or "").strip().upper())
    if not match:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"code": [_("Enter a period such as 2026Q3 (a quarter) or 2026 (a year).")]},
            code="invalid_period",
        )
    year = int(match["year"])
    if match["quarter"]:
        quarter = int(match["quarter"])
        start = dt.date(year, 3 * quarter - 2, 1)
        end_month = 3 * quarter
        end = (
            dt.date(year, 12, 31)
            if end_month == 12
            else dt.date(year, end_month + 1, 1) - dt.timedelta(days=1)
        )
        return PeriodKind.QUARTER, start, end
    return PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31)


def normalize_period_code(code: str) -> str:
    return (code or "").strip().upper()


def last_full_quarter(today: dt.date) -> str:
    quarter = (today.month - 1) // 3  # the current quarter's number minus one
    if quarter == 0:
        return f"{today.year - 1}Q4"
    return f"{today.year}Q{quarter}"


# --- computation -----------------------------------------------------------------------------------
@dataclass
class Outcome:
    subject_id: int
    name: str
    code: str
    points: Decimal = Decimal("0")
    disqualified: bool = False
    items: dict = field(default_factory=dict)

    @property
    def stars(self) -> int:
        if self.disqualified:
            return 0
        return sum(1 for item in self.items.values() if item["earned"])


def _money(value) -> str:
    # Ledger amounts have two decimal places; formatting is much cheaper than quantize() over
    # the tens of thousands of entries a street's period holds.
    return format(value, ".2f")


def compute(period: RatingPeriod) -> tuple[list[Outcome], str, int]:
    """Results for every subject of the period (unsaved), the fingerprint, the entries read."""
    subject_type = period.subject_type
    items = list(StarItem.objects.filter(subject_type=subject_type, active=True))
    entries = list(
        LedgerEntry.objects.filter(
            subject_type=subject_type, occurred_on__gte=period.start, occurred_on__lte=period.end
        )
        .order_by("id")
        .values_list("id", "subject_id", "subject_name", "code", "source", "kind", "points")
    )
    scores = list(
        EvaluationScore.objects.filter(period=period, item__in=items)
        .order_by("subject_id", "item_id")
        .values_list("subject_id", "item__code", "score")
    )
    disqualified = set(
        Disqualification.objects.in_force()
        .filter(
            subject_type=subject_type,
            occurred_on__gte=period.start,
            occurred_on__lte=period.end,
        )
        .values_list("subject_id", flat=True)
    )

    outcomes: dict[int, Outcome] = {}
    population = _POPULATIONS.get(subject_type)
    if population is not None:
        for member in population(period):
            outcomes[member.subject_id] = Outcome(member.subject_id, member.name, member.code)
    item_points: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    item_entries: dict[tuple[int, str], list[int]] = defaultdict(list)
    matching: dict[tuple[str, str], list[str]] = {}  # few distinct kinds: match each once
    for entry_id, subject_id, name, code, source, kind, points in entries:
        outcome = outcomes.get(subject_id)
        if outcome is None:
            if population is not None:
                continue  # no longer rated here (moved away, deceased): entries stay in the ledger
            outcome = outcomes[subject_id] = Outcome(subject_id, name, code)
        outcome.points += points
        codes = matching.get((source, kind))
        if codes is None:
            codes = matching[source, kind] = [i.code for i in items if i.matches(source, kind)]
        for item_code in codes:
            item_points[subject_id, item_code] += points
            item_entries[subject_id, item_code].append(entry_id)
    score_of = {(subject_id, item_code): score for subject_id, item_code, score in scores}

    for subject_id, outcome in outcomes.items():
        outcome.disqualified = subject_id in disqualified
        for item in items:
            points = item_points.get((subject_id, item.code), Decimal("0"))
            score = score_of.get((subject_id, item.code))
            earned = bool(item.counts) or item.evaluation_min is not None
            if item.counts and points < item.threshold:
                earned = False
            if item.counts and item.threshold <= 0 and points <= 0:
                earned = False  # a rule with no threshold still needs something to count
            if item.evaluation_min is not None and (score is None or score < item.evaluation_min):
                earned = False
            outcome.items[item.code] = {
                "points": _money(points),
                "score": None if score is None else _money(score),
                "earned": earned,
                "entries": item_entries.get((subject_id, item.code), []),
            }

    ordered = sorted(outcomes.values(), key=lambda o: o.subject_id)
    digest = hashlib.sha256()
    payload = {
        "period": [period.subject_type, period.code, str(period.start), str(period.end)],
        "rules": [item.rule_snapshot() for item in sorted(items, key=lambda i: i.code)],
        "entries": [[e[0], e[1], e[4], e[5], _money(e[6])] for e in entries],
        "scores": [[s[0], s[1], _money(s[2])] for s in scores],
        "disqualified": sorted(disqualified),
        "subjects": [o.subject_id for o in ordered],
    }
    digest.update(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    return ordered, digest.hexdigest(), len(entries)


def rank(outcomes: list[Outcome]) -> list[tuple[int, Outcome]]:
    """Competition ranking (1, 2, 2, 4): more stars first, then more points; the disqualified
    last. Ties are broken by subject id only for the order of rows, not the rank."""

    def key(o: Outcome):
        return (o.disqualified, -o.stars, -o.points)

    ordered = sorted(outcomes, key=lambda o: (*key(o), o.subject_id))
    ranked: list[tuple[int, Outcome]] = []
    previous = None
    for position, outcome in enumerate(ordered, start=1):
        current = key(outcome)
        number = ranked[-1][0] if previous == current else position
        ranked.append((number, outcome))
        previous = current
    return ranked


# --- reading results -------------------------------------------------------------------------------
def star_counts(people: Iterable[models.Model]) -> dict:
    """{person.pk: stars in the subject's latest computed period} for the people rated so far.

    Subjects are resolved in bulk (`ledger.resolve_subjects`), then one query per subject type
    reads the results: a fixed number of queries, not one per person."""
    people = list(people)
    subjects = ledger.resolve_subjects(people)
    wanted: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for person, subject in zip(people, subjects, strict=True):
        if subject is None:
            continue
        subject_type, subject_id = ledger.subject_key(subject)
        wanted[subject_type][subject_id].append(person.pk)
    counts: dict = {}
    for subject_type, by_subject in wanted.items():
        rows = (
            RatingResult.objects.filter(
                subject_type=subject_type,
                subject_id__in=list(by_subject),
                period__status__in=[RatingPeriod.Status.COMPUTED, RatingPeriod.Status.PUBLISHED],
            )
            .order_by("subject_id", "-period__end", "-period__start")
            .values_list("subject_id", "stars")
        )
        seen: set[int] = set()
        for subject_id, stars in rows:
            if subject_id in seen:
                continue
            seen.add(subject_id)
            for pk in by_subject[subject_id]:
                counts[pk] = stars
    return counts


def results_of(subject: models.Model, *, published_only: bool = False):
    subject_type, subject_id = ledger.subject_key(subject)
    statuses = (
        [RatingPeriod.Status.PUBLISHED]
        if published_only
        else [RatingPeriod.Status.COMPUTED, RatingPeriod.Status.PUBLISHED]
    )
    return (
        RatingResult.objects.filter(
            subject_type=subject_type, subject_id=subject_id, period__status__in=statuses
        )
        .select_related("period")
        .order_by("-period__end", "-period__start")
    )


def explain(result: RatingResult) -> list[dict]:
    """Each active item of the result's subject type with its points, score, whether earned and
    the ledger entries behind it (two queries)."""
    items = list(StarItem.objects.filter(subject_type=result.subject_type, active=True))
    ids = {i for data in (result.items or {}).values() for i in data.get("entries", [])}
    entries = {e.pk: e for e in LedgerEntry.objects.filter(pk__in=ids)} if ids else {}
    rows = []
    for item in items:
        data = (result.items or {}).get(item.code) or {}
        rows.append(
            {
                "item": item,
                "points": Decimal(data.get("points") or "0"),
                "score": data.get("score"),
                "earned": bool(data.get("earned")) and not result.disqualified,
                "entries": [entries[i] for i in data.get("entries", []) if i in entries],
            }
        )
    return rows


def subject_filter(subject_type: str, ids: Iterable[int]) -> Q:
    return Q(subject_type=subject_type, subject_id__in=list(ids))
