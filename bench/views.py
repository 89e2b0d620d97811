"""Views the bench serves next to the product's, never part of it.

* `floor` — the cheapest JSON response Django gives through Sixfold's middleware: no database,
  no authentication, no serializer. What the household list costs beyond this is its own work.
* `lean_households` — the grid worker's household list page answered with the same scoping,
  ordering, count and members, but built from `values()` rows into plain dicts, without DRF's
  view, filter and serializer layers. Not a proposal to copy as is (it skips the API's filters and
  schema): it measures how much of the list's cost is the framework around the queries, which is
  what a leaner read path or a cache of rendered pages would win back.
"""

from django.http import JsonResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from sixfold.core.models import Household, Resident
from sixfold.core.models.base import unwrap_tags

PAGE_SIZE = 50
HOUSEHOLD_FIELDS = ("pk", "code", "unit_id", "room", "address", "housing", "area", "tags", "note")


def floor(request):
    return JsonResponse({"status": "ok"})


def lean_households(request):
    try:
        found = TokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        found = None
    if found is None:
        return JsonResponse({"detail": "unauthorized"}, status=401)
    user = found[0]
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    visible = Household.objects.visible_to(user).order_by("code")
    count = visible.count()
    start = (page - 1) * PAGE_SIZE
    rows = list(visible.values_list(*HOUSEHOLD_FIELDS)[start : start + PAGE_SIZE])
    members: dict[int, list] = {}
    ids = [row[0] for row in rows]
    for resident_id, household_id, name, relation in (
        Resident.objects.filter(household_id__in=ids)
        .order_by("code", "id")
        .values_list("id", "household_id", "name", "relation")
    ):
        members.setdefault(household_id, []).append(
            {"id": resident_id, "name": name, "relation": relation}
        )
    results = [
        {
            "id": pk,
            "code": code,
            "unit": unit,
            "room": room,
            "address": address,
            "housing": housing,
            "area": float(area) if area is not None else None,
            "tags": unwrap_tags(tags),
            "note": note,
            "members": members.get(pk, []),
        }
        for pk, code, unit, room, address, housing, area, tags, note in rows
    ]
    return JsonResponse(
        {"count": count, "results": results}, json_dumps_params={"ensure_ascii": False}
    )
