"""How far a check-up has come, per party organisation (S7): how many of its members each party
has assessed, and how many residents it has heard against the cycle's minimum.

Three grouped queries whatever the number of organisations; the page and the API share it.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from sixfold.party.models import PartyOrganization

from .models import Assessment, Party


@dataclass
class BranchProgress:
    org: PartyOrganization
    members: int
    done: list[tuple[str, int]] = field(default_factory=list)  # (party, members assessed)
    residents: int = 0
    short: bool = False


def branch_progress(cycle, members) -> list[BranchProgress]:
    """`members`: the cycle's members the viewer sees (a queryset)."""
    by_org = dict(members.order_by().values_list("organization_id").annotate(n=Count("pk")))
    assessed = (
        Assessment.objects.filter(cycle=cycle, member__in=members.values("pk"))
        .values("member__organization_id", "party")
        .annotate(
            members=Count("member_id", distinct=True),
            # By name: rows written in bulk (the demo's history) carry a name and no login.
            assessors=Count("assessor_name", distinct=True),
        )
        .order_by()
    )
    counts: dict[int, dict] = {}
    for row in assessed:
        counts.setdefault(row["member__organization_id"], {})[row["party"]] = row
    rows = []
    for org in PartyOrganization.objects.filter(pk__in=list(by_org)).order_by("code"):
        parties = counts.get(org.pk, {})
        residents = parties.get(Party.RESIDENT, {}).get("assessors", 0)
        rows.append(
            BranchProgress(
                org=org,
                members=by_org[org.pk],
                done=[(p, parties.get(p, {}).get("members", 0)) for p in Party.values],
                residents=residents,
                short=residents < cycle.min_residents,
            )
        )
    return rows
