"""Views the bench serves next to the product's, never part of it.

* `floor` — the cheapest JSON response Django gives through Sixfold's middleware: no database,
  no authentication, no serializer. What the household list costs beyond this is its own work.
* `lean_households` — the grid worker's household list page answered with the same scoping,
  ordering, count and members, but built from `values()` rows into plain dicts, without DRF's
  view, filter and serializer layers. Not a proposal to copy as is (it skips the API's filters and
  schema): it measures how much of the list's cost is the framework around the queries, which is
  what a leaner read path would win back.
* `cached_households` — the lean page kept in Django's cache per scope and page number: what a
  cache of rendered pages would reach. It is never invalidated here (a real one would be, by a
  version per scope bumped by every write), so it is a ceiling, not a design.
"""

import json

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from sixfold.core.models import Household, Resident
from sixfold.core.models.base import unwrap_tags

PAGE_SIZE = 50
HOUSEHOLD_FIELDS = ("pk", "code", "unit_id", "room", "address", "housing", "area", "tags", "note")


def floor(request):
    return JsonResponse({"status": "ok"})


def token_user(request):
    try:
        found = TokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def lean_page(user, page: int) -> dict:
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
    return {"count": count, "results": results}


def lean_households(request):
    user = token_user(request)
    if user is None:
        return JsonResponse({"detail": "unauthorized"}, status=401)
    page = lean_page(user, page_number(request))
    return JsonResponse(page, json_dumps_params={"ensure_ascii": False})


def cached_households(request):
    user = token_user(request)
    if user is None:
        return JsonResponse({"detail": "unauthorized"}, status=401)
    page = page_number(request)
    key = f"bench-households:{'|'.join(user.scope_prefixes('registry.view'))}:{page}"
    body = cache.get(key)
    if body is None:
        body = json.dumps(lean_page(user, page), ensure_ascii=False).encode()
        cache.set(key, body, 300)
    return HttpResponse(body, content_type="application/json")
