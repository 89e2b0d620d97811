"""The party pillar's part in the points engine (S6, S8): whose points and stars it keeps.

* A login (`User`) stands for her `PartyMember`; a member is her own subject.
* The population of a rating period is the street's active members.
* The airing board's red / yellow lists: thresholds in stars, from settings
  (`SIXFOLD_AIRING_RED_MIN_STARS`, `SIXFOLD_AIRING_YELLOW_MAX_STARS`).
"""

from django.conf import settings
from django.db.models import prefetch_related_objects

from sixfold.points import ledger, stars

from .models import PartyMember

SUBJECT_TYPE = "party.partymember"


def member_of_user(person):
    if person._meta.label_lower != "accounts.user":
        return None
    try:
        return person.party_member
    except PartyMember.DoesNotExist:
        return None


def prepare_users(users: list) -> None:
    # One query fills (or caches as missing) every user's member record for `member_of_user`.
    prefetch_related_objects(users, "party_member")


def population(period):
    rows = (
        PartyMember.objects.active()
        .order_by("id")
        .values_list("id", "code", "name", "resident__name")
    )
    for pk, code, name, resident_name in rows:
        # the register's name for a resident member (as `display_name`), else her own
        yield stars.Member(pk, resident_name if resident_name is not None else name, code)


def airing_thresholds() -> tuple[int, int]:
    """(stars at or above which a member is on the red list, stars at or below which on the
    yellow list)."""
    red = int(getattr(settings, "SIXFOLD_AIRING_RED_MIN_STARS", 8))
    yellow = int(getattr(settings, "SIXFOLD_AIRING_YELLOW_MAX_STARS", 3))
    return red, yellow


def register() -> None:
    ledger.register_resolver(member_of_user)
    ledger.register_preparer("accounts.user", prepare_users)
    stars.register_population(SUBJECT_TYPE, population)
