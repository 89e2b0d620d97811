"""Community services (社区服务): the service network (S12), the online presence of communities,
compounds and buildings (S13) and the service venues with their service types (S15, S21).

* `ServicePoint` is the point of one level of the network bound to one region node: the street's
  service centre (街道服务中心), a community's service station (社区服务站), a grid's service point
  (网格服务点), a building's liaison point (楼栋联络点) and a stairwell's liaison (单元联络员). One per
  node, so the coverage audit is "which nodes have none". Its `ServiceStaff` are named people
  with a role and a phone kept like a resident's (encrypted, hashed, masked).
* `ServiceType` is the configurable list of what venues offer (党群服务, 红色物业, 居家养老 …);
  each may name the work-order category a request for it is filed under.
* `Venue` is a service venue (红立方, 红工坊 …) on a node, offering several service types.
* `Notice` is a notice on the e-page of a community, grid or building (社区e网, 小区e站, 楼宇e格).

Every row carries the code of its node (`code`), so visibility is the same prefix filter as the
registers.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core import pii
from sixfold.core.models import Level, Region
from sixfold.core.models.base import RegionCodeField, ScopedQuerySet, TimeStamped


class PointKind(models.TextChoices):
    """The five levels of the service network (S12)."""

    CENTRE = "centre", _("Street service centre")
    STATION = "station", _("Community service station")
    GRID_POINT = "grid_point", _("Grid service point")
    BUILDING_LIAISON = "building_liaison", _("Building liaison point")
    UNIT_LIAISON = "unit_liaison", _("Stairwell liaison")


# What a point's default name adds to its node's name (stored, so never translated).
NAME_SUFFIX = {
    PointKind.CENTRE: "服务中心",
    PointKind.STATION: "服务站",
    PointKind.GRID_POINT: "服务点",
    PointKind.BUILDING_LIAISON: "联络点",
    PointKind.UNIT_LIAISON: "联络员",
}
# The kind of point each region level has (a village has a station like a community).
KIND_BY_LEVEL = {
    Level.STREET: PointKind.CENTRE,
    Level.COMMUNITY: PointKind.STATION,
    Level.VILLAGE: PointKind.STATION,
    Level.GRID: PointKind.GRID_POINT,
    Level.BUILDING: PointKind.BUILDING_LIAISON,
    Level.UNIT: PointKind.UNIT_LIAISON,
}
# The levels where a venue or a notice may sit.
VENUE_LEVELS = (Level.STREET, Level.COMMUNITY, Level.VILLAGE, Level.GRID, Level.BUILDING)
NOTICE_LEVELS = (Level.COMMUNITY, Level.VILLAGE, Level.GRID, Level.BUILDING)


class ServicesQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "services.view"):
        return super().visible_to(user, perm)


class ServicePoint(TimeStamped):
    """The service point of one node of the network (one per node)."""

    scope_field = "code"

    region = models.OneToOneField(
        Region,
        verbose_name=_("region node"),
        on_delete=models.CASCADE,
        related_name="service_point",
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    # The node's level, kept here so the audit counts points per level without a join.
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    name = models.CharField(pgettext_lazy("place", "name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    # The point's own service line (a landline on the notice board), public by nature.
    service_phone = models.CharField(_("service phone"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ServicesQuerySet.as_manager()

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceStaff(TimeStamped):
    """A person who staffs a service point: name, role, phone (stored like a resident's)."""

    scope_field = "code"

    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="staff",
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    role = models.CharField(_("role"), max_length=50, blank=True)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)

    objects = ServicesQuerySet.as_manager()

    class Meta:
        verbose_name = _("service staff member")
        verbose_name_plural = _("service staff")
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return self.name

    def set_phone(self, phone: str) -> None:
        self.phone_enc = pii.encrypt(phone)
        self.phone_hash = pii.lookup_hash(phone)
        self.phone_masked = pii.mask_phone(phone)

    def plaintext_phone(self) -> str:
        return pii.decrypt(self.phone_enc)


class ServiceType(TimeStamped):
    """A kind of service a venue offers (S21); street administrators keep the list."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("service", "name"), max_length=50, unique=True)
    # The work-order category a request for this service is filed under (a category code of the
    # orders engine); empty: the resident chooses.
    order_category = models.CharField(_("work-order category code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Venue(TimeStamped):
    """A service venue (综合服务阵地, S15) such as a 红立方 or 红工坊, offering several services."""

    class Kind(models.TextChoices):
        RED_CUBE = "red_cube", _("Red Cube (红立方)")
        RED_WORKSHOP = "red_workshop", _("Red Workshop (红工坊)")
        PARTY_SERVICE_CENTRE = "party_centre", _("Party and public service centre")
        ELDERLY_CARE = "elderly_care", _("Day-care centre for the elderly")
        OTHER = "other", _("Other venue")

    scope_field = "code"

    region = models.ForeignKey(
        Region, verbose_name=_("region node"), on_delete=models.PROTECT, related_name="venues"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    name = models.CharField(pgettext_lazy("place", "name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    service_phone = models.CharField(_("service phone"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    service_types = models.ManyToManyField(
        ServiceType, verbose_name=_("services offered"), blank=True, related_name="venues"
    )
    active = models.BooleanField(_("open"), default=True)

    objects = ServicesQuerySet.as_manager()

    class Meta:
        verbose_name = _("service venue")
        verbose_name_plural = _("service venues")
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return self.name


class NoticeQuerySet(ServicesQuerySet):
    def current(self, now=None):
        """Published and not expired: what the e-pages show."""
        today = timezone.localdate(now)
        return self.filter(published=True).filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today)
        )


class Notice(TimeStamped):
    """A notice on the e-page of a community, grid or building (S13)."""

    scope_field = "code"

    region = models.ForeignKey(
        Region, verbose_name=_("region node"), on_delete=models.CASCADE, related_name="notices"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    published = models.BooleanField(_("published"), default=False, db_index=True)
    published_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-pinned", "-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()
