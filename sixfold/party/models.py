"""Community party building (社区党建): organisations on the grid (S1), members, the five-level
responsibility chain (S2) and the posts every grid must fill (S26).

* `PartyOrganization` is bound to one region node: the street's working committee (党工委), a
  community's committee (社区党委, or a general branch / branch where the community is small), a
  grid's branch (网格党支部) and a building's party group (楼宇党小组). One organisation per node,
  so the party tree is the region tree and needs no tree of its own.
* `PartyMember` is a person of the register (`resident`) or, for members who live outside the
  street, a name and a masked phone. Later pillars (points ledger, stars, check-ups, dual
  reporting) attach their rows to a member.
* `ResponsibilityLink` puts one member in charge of one node of the community, grid, building,
  unit or household levels (五级负责制); `GridPost` fills one configurable post of a grid.

Every row carries the code of the node it belongs to (`code`), so visibility is the same prefix
filter as the registers, and the coverage audit groups by code length.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core.models import Level, Region, Resident
from sixfold.core.models.base import ScopedQuerySet, TimeStamped
from sixfold.core.models.region import CODE_LENGTH


class OrgKind(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("Street party working committee")
    COMMITTEE = "committee", _("Community party committee")
    GENERAL_BRANCH = "general_branch", _("General party branch")
    BRANCH = "branch", _("Party branch")
    GRID_BRANCH = "grid_branch", _("Grid party branch")
    BUILDING_GROUP = "building_group", _("Building party group")


# Which organisation a node of each level may have (社区建党委、网格设支部、楼宇有党小组); a
# small community has a general branch or a branch instead of a committee.
KINDS_BY_LEVEL = {
    Level.STREET: (OrgKind.WORKING_COMMITTEE,),
    Level.COMMUNITY: (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH),
    Level.VILLAGE: (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH),
    Level.GRID: (OrgKind.GRID_BRANCH,),
    Level.BUILDING: (OrgKind.BUILDING_GROUP,),
}


class ChainLevel(models.TextChoices):
    """The five levels of 五级负责制; a village answers at the community level."""

    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    UNIT = "unit", _("Stairwell")
    HOUSEHOLD = "household", _("Household")


# Who answers for a node of each level, in the seed's words.
CHAIN_ROLES = {
    ChainLevel.COMMUNITY: _("Community party secretary"),
    ChainLevel.GRID: _("Branch secretary"),
    ChainLevel.BUILDING: _("Branch committee member"),
    ChainLevel.UNIT: _("Party group leader"),
    ChainLevel.HOUSEHOLD: _("Member in contact"),
}
CHAIN_LENGTH = {
    ChainLevel.COMMUNITY: CODE_LENGTH[Level.COMMUNITY],
    ChainLevel.GRID: CODE_LENGTH[Level.GRID],
    ChainLevel.BUILDING: CODE_LENGTH[Level.BUILDING],
    ChainLevel.UNIT: CODE_LENGTH[Level.UNIT],
    ChainLevel.HOUSEHOLD: CODE_LENGTH[Level.HOUSEHOLD],
}


def chain_level_of(region_level: str) -> str | None:
    """The chain level of a region node (villages count as communities), None above it."""
    if region_level == Level.VILLAGE:
        return ChainLevel.COMMUNITY
    return region_level if region_level in ChainLevel.values else None


# --- organisations ---------------------------------------------------------------------------------
class PartyOrganization(TimeStamped):
    """A party organisation bound to one region node."""

    scope_field = "code"

    region = models.OneToOneField(
        Region,
        verbose_name=_("region node"),
        on_delete=models.PROTECT,
        related_name="party_organization",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    # The node's level, kept here so the audit counts organisations per level without a join.
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=100)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    term_start = models.DateField(_("term starts"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        """Indentation in the organisation tree (street 0, community 1, grid 2, building 3)."""
        return {9: 0, 12: 1, 16: 2, 21: 3}.get(len(self.code), 0)


class PartyPost(TimeStamped):
    """A post held in an organisation: its secretary, deputy, committee members, group leader."""

    class Post(models.TextChoices):
        SECRETARY = "secretary", _("Secretary")
        DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
        COMMITTEE_MEMBER = "committee_member", _("Committee member")
        GROUP_LEADER = "group_leader", _("Group leader")

    scope_field = "code"

    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("party organisation"),
        on_delete=models.PROTECT,
        related_name="posts",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    member = models.ForeignKey(
        "PartyMember",
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="posts",
    )
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    since = models.DateField(_("since"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("party post")
        verbose_name_plural = _("party posts")
        ordering = ["code", "post", "id"]
        constraints = [
            # One secretary and one group leader per organisation; any number of members.
            models.UniqueConstraint(
                fields=["organization", "post"],
                condition=models.Q(post__in=["secretary", "group_leader"]),
                name="party_post_one_head",
            ),
            models.UniqueConstraint(
                fields=["organization", "member", "post"], name="party_post_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_post_display()}"


# --- members ---------------------------------------------------------------------------------------
class PartyMemberQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "party.view"):
        return super().visible_to(user, perm)

    def active(self):
        return self.filter(status=PartyMember.Status.ACTIVE)

    def own(self, user):
        """The member record of the logged-in person (a member sees their own records)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)


class PartyMember(TimeStamped):
    """A party member (党员) registered with an organisation of the street."""

    class Standing(models.TextChoices):
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        DECEASED = "deceased", _("Deceased")

    scope_field = "code"

    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("party organisation"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    group = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("party group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_members",
    )
    resident = models.OneToOneField(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    # Only for members who are not in the street's register (a resident's come from the register).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Resident.Gender.choices, blank=True
    )
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    standing = models.CharField(
        _("standing"), max_length=16, choices=Standing.choices, default=Standing.FULL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    joined_on = models.DateField(_("joined the party on"))
    full_on = models.DateField(_("full membership on"), null=True, blank=True)
    in_service = models.BooleanField(_("in-service member"), default=False)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    elderly = models.BooleanField(_("elderly member"), default=False)
    in_difficulty = models.BooleanField(_("member in difficulty"), default=False)
    mobile = models.BooleanField(_("mobile member"), default=False)
    note = models.TextField(_("note"), blank=True)

    objects = PartyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.resident.name if self.resident_id else self.name

    @property
    def display_gender(self) -> str:
        if self.resident_id:
            return self.resident.get_gender_display()
        return self.get_gender_display() if self.gender else ""

    @property
    def display_phone(self) -> str:
        """Always the mask; a resident's comes from the register."""
        return self.resident.phone_masked if self.resident_id else self.phone_masked

    def flag_labels(self) -> list[str]:
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in ("in_service", "elderly", "in_difficulty", "mobile")
            if getattr(self, name)
        ]


class MemberTransferQuerySet(models.QuerySet):
    def visible_to(self, user, perm: str = "party.view"):
        """Moves either end of which lies in the user's scope."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        condition = models.Q()
        for prefix in user.scope_prefixes(perm):
            condition |= models.Q(from_code__prefix=prefix) | models.Q(to_code__prefix=prefix)
        return self.filter(condition) if condition else self.none()


class MemberTransfer(models.Model):
    """One move of a member's organisational relationship (组织关系转接); never changed later.

    A move inside the street names both organisations; a move in from or out to an organisation
    elsewhere names that one in words. Both ends see the record.
    """

    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    from_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_name = models.CharField(_("from"), max_length=100)
    to_name = models.CharField(_("to"), max_length=100)
    from_code = models.CharField(max_length=40, blank=True, db_index=True)
    to_code = models.CharField(max_length=40, blank=True, db_index=True)
    on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberTransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation transfer")
        verbose_name_plural = _("organisation transfers")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.from_name} → {self.to_name}"


# --- the five-level responsibility chain ----------------------------------------------------------
class ResponsibilityLink(TimeStamped):
    """The member who answers for one node (五级负责制); a node has at most one."""

    scope_field = "code"

    region = models.OneToOneField(
        Region,
        verbose_name=_("region node"),
        on_delete=models.CASCADE,
        related_name="responsibility",
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    level = models.CharField(_("level"), max_length=12, choices=ChainLevel.choices, db_index=True)
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("responsible member"),
        on_delete=models.PROTECT,
        related_name="links",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsibility link")
        verbose_name_plural = _("responsibility links")
        ordering = ["code"]
        indexes = [models.Index(fields=["member", "level"], name="party_link_member_level")]

    def __str__(self) -> str:
        return f"{self.code} · {self.member}"


# --- grid posts (格中有人) --------------------------------------------------------------------------
class GridPostKind(TimeStamped):
    """A post every grid has (网格长, 党建联络员 …); which must be filled is configurable."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("post", "name"), max_length=50, unique=True)
    required = models.BooleanField(_("required in every grid"), default=False)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("grid post")
        verbose_name_plural = _("grid posts")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class GridPost(TimeStamped):
    """Who holds one post in one grid: a party member, a resident, or a named staff member."""

    scope_field = "code"

    grid = models.ForeignKey(
        Region, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="grid_posts"
    )
    code = models.CharField(_("region code"), max_length=40, db_index=True)
    kind = models.ForeignKey(
        GridPostKind, verbose_name=_("post"), on_delete=models.PROTECT, related_name="posts"
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_posts",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_posts",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    since = models.DateField(_("since"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid post holder")
        verbose_name_plural = _("grid post holders")
        ordering = ["code", "kind__order"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "kind"], name="grid_post_one_holder")
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.holder_name}"

    @property
    def holder_name(self) -> str:
        if self.member_id:
            return self.member.display_name
        if self.resident_id:
            return self.resident.name
        return self.name
