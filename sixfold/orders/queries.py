"""Read-side helpers of the order pages, the API and Open311 (S9, S24): scoped lists, who may be
given an order, the public board and what a stranger may read of an order.

Nothing here changes an order; changes are `sixfold.orders.actions`.
"""

import datetime as dt

from django.db.models import Prefetch, Q
from django.utils import timezone

from sixfold.accounts.models import RoleAssignment, User
from sixfold.accounts.roles import ROLES
from sixfold.core.models import Level, Region
from sixfold.core.models.base import ScopedQuerySet
from sixfold.core.models.region import CODE_LENGTH

from .models import Order, OrderPhoto, Whistle

VIEW = "orders.view"
HANDLE = "orders.handle"
CLAIM = "orders.claim"
DEPARTMENT = "orders.department"

COMMUNITY = CODE_LENGTH[Level.COMMUNITY]
BUILDING = CODE_LENGTH[Level.BUILDING]
PREFIX_LENGTHS = sorted(set(CODE_LENGTH.values()))


def in_scope(user, perm: str = VIEW):
    """Orders in the region subtrees where `user` holds `perm` — without the requester's, the
    claimant's and the pool's own rows that `Order.objects.visible_to` adds: the desk's list."""
    return ScopedQuerySet.visible_to(Order.objects.all(), user, perm)


def may_see_requester(user, order: Order) -> bool:
    """Pool rows and whistled orders show no requester; staff in scope and the people on the
    order see the name (the phone only masked)."""
    return (
        order.requester_id == user.pk
        or order.claimant_id == user.pk
        or user.has_scoped_perm(VIEW, order.code)
    )


def list_rows(queryset):
    """What every order list shows, in a fixed number of queries."""
    return queryset.select_related("category__parent", "region")


def with_timeline(queryset):
    return queryset.select_related(
        "category__parent", "region", "merged_into", "requester", "claimant"
    ).prefetch_related(
        "photos",
        Prefetch("whistles", queryset=Whistle.objects.select_related("department")),
        "notes",
    )


def department_whistles(user):
    """Whistles to the departments `user` works for, within the scope of her role."""
    if user is None or not user.is_authenticated:
        return Whistle.objects.none()
    queryset = Whistle.objects.all()
    if not user.is_superuser:
        queryset = ScopedQuerySet.visible_to(queryset, user, DEPARTMENT).filter(
            department__staff__user=user
        )
    return queryset.select_related("department", "order__category__parent", "order__region")


def scope_prefixes_of(code: str) -> list[str]:
    """Every ancestor code of a node, itself included (a role's scope covers `code` when its
    scope code is one of these)."""
    return [code[:length] for length in PREFIX_LENGTHS if length <= len(code)]


def candidates(order: Order, limit: int = 200) -> list[User]:
    """People an order may be dispatched or reassigned to: logins holding `orders.claim` or
    `orders.handle` over its place."""
    roles = [code for code, role in ROLES.items() if {CLAIM, HANDLE} & role.perms]
    user_ids = RoleAssignment.objects.filter(
        role__in=roles, scope_code__in=scope_prefixes_of(order.code)
    ).values("user_id")
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True).order_by("display_name", "username")[
            :limit
        ]
    )


def communities(user=None):
    """Communities and villages (the boards are per community)."""
    queryset = Region.objects.of_level(Level.COMMUNITY, Level.VILLAGE).select_related("parent")
    if user is not None:
        queryset = queryset.visible_to(user, VIEW)
    return queryset.order_by("code")


def community_code(code: str) -> str:
    return code[:COMMUNITY]


# --- the public board ------------------------------------------------------------------------------
def board(code: str):
    """Published orders of a community's subtree (晒单), newest first, with their evidence."""
    return (
        Order.objects.on_board()
        .filter(public=True)
        .within(code)
        .select_related("category__parent", "claimant")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=OrderPhoto.objects.filter(kind=OrderPhoto.Kind.EVIDENCE),
                to_attr="public_photos",
            )
        )
        .order_by("-published_at", "-id")
    )


def star_counts(users) -> dict:
    """{user pk: stars} for the people shown on a board; empty when ratings are not available."""
    people = [user for user in users if user is not None]
    if not people:
        return {}
    try:
        from sixfold.points.stars import star_counts as counts
    except ImportError:
        return {}
    return counts(people)


def public_place(orders) -> dict[int, str]:
    """{order pk: the place a stranger may read}: the community and, for an order at a building,
    unit or household, only the building — never a room."""
    orders = list(orders)
    codes = set()
    for order in orders:
        codes.add(order.code[:COMMUNITY])
        if len(order.code) >= BUILDING:
            codes.add(order.code[:BUILDING])
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    places = {}
    for order in orders:
        parts = [names.get(order.code[:COMMUNITY], "")]
        if len(order.code) >= BUILDING:
            parts.append(names.get(order.code[:BUILDING], ""))
        places[order.pk] = " ".join(part for part in parts if part)
    return places


# The days a typed date may name. No order lies outside them, and date arithmetic at the ends
# of the calendar (year 1, year 9999) overflows: a date from a query string is clamped first.
FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def clamp_day(day: dt.date) -> dt.date:
    return min(max(day, FIRST_DAY), LAST_DAY)


def clamp_moment(moment: dt.datetime) -> dt.datetime:
    # Compared on the calendar day as written: converting year 1 to UTC would overflow.
    zone = timezone.get_current_timezone()
    if moment.date() < FIRST_DAY:
        return dt.datetime.combine(FIRST_DAY, dt.time.min, tzinfo=zone)
    if moment.date() > LAST_DAY:
        return dt.datetime.combine(LAST_DAY, dt.time.max, tzinfo=zone)
    return moment


def week_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Monday 00:00 to the next Monday 00:00 (local time) of the week holding `day`."""
    day = clamp_day(day)
    monday = day - dt.timedelta(days=day.weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    return start, start + dt.timedelta(days=7)


def overdue_q() -> Q:
    return Q(accept_overdue=True) | Q(claim_overdue=True) | Q(resolve_overdue=True)
