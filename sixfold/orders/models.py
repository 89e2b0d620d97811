"""The work-order engine (工单): 群众下单 → 党员领单 → 社区督单 → 公开晒单 (S9), whistle-blowing to
functional departments (街巷吹哨、部门报到, S24) and the priorities of livelihood requests (S28).

* `Category` is a configurable tree (物业维修, 环境卫生 …, seeded by a data migration); its
  `TimeLimit` rows say how long accepting, claiming and resolving may take per urgency, in hours
  or working days (`sixfold.orders.sla`).
* `Order` is one request; it moves through the states of `sixfold.orders.states` only by the
  action functions of `sixfold.orders.actions`. Every move appends an `OrderEvent` (the order's
  own history, shown on its page) besides the core audit event.
* `Department` is the register of functional departments; `DepartmentStaff` links their logins;
  `Whistle` is one escalation of an order to one department, with its report (报到) deadline.
* `SupervisorNote` is a 督办 note: written by a supervisor, or by the timers when an order runs
  over its limit (escalation).

Every order row carries the code of the region node it concerns (`code`: community, grid,
building or household), so visibility is the prefix filter of the registers plus ownership —
see `OrderQuerySet.visible_to`. Categories and departments are street-wide configuration and
are not scoped.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sixfold.core import pii
from sixfold.core.models import Region
from sixfold.core.models.base import RegionCodeField, ScopedQuerySet, TimeStamped

from .states import State


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKDAYS = "workdays", _("working days")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    GRID_PATROL = "grid_patrol", _("Grid patrol")
    HOTLINE = "hotline_12345", _("12345 hotline transfer")
    OPEN311 = "open311", _("Open311")


class ClaimantKind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer")
    GRID_WORKER = "grid_worker", _("Grid worker")
    PROPERTY = "property", _("Property company")
    DEPARTMENT = "department", _("Department")
    COMMUNITY = "community", _("Community worker")


# --- configuration ---------------------------------------------------------------------------
class Category(TimeStamped):
    """A kind of request (物业维修, 微心愿 …); a tree of two levels, configurable by street admins."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("category", "name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    # Proposed on the submit form; the requester or the community may choose otherwise.
    default_urgency = models.CharField(
        _("default urgency"), max_length=10, choices=Urgency.choices, default=Urgency.GENERAL
    )

    class Meta:
        verbose_name = _("order category")
        verbose_name_plural = _("order categories")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def root(self) -> "Category":
        return self.parent if self.parent_id else self


class TimeLimit(TimeStamped):
    """How long an order of a category (or of every category, when `category` is empty) and
    urgency may take to be accepted, claimed and resolved. A missing amount means no limit."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="time_limits",
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    accept_amount = models.PositiveSmallIntegerField(_("accept within"), null=True, blank=True)
    accept_unit = models.CharField(
        _("unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.HOURS
    )
    claim_amount = models.PositiveSmallIntegerField(_("claim within"), null=True, blank=True)
    claim_unit = models.CharField(
        _("unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.HOURS
    )
    resolve_amount = models.PositiveSmallIntegerField(_("resolve within"), null=True, blank=True)
    resolve_unit = models.CharField(
        _("unit"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS
    )

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["category_id", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"], name="orders_limit_one_per_category"
            ),
            models.UniqueConstraint(
                fields=["urgency"],
                condition=models.Q(category__isnull=True),
                name="orders_limit_one_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or _('All categories')} · {self.get_urgency_display()}"


class Department(TimeStamped):
    """A functional department orders may be whistled to (城管, 公安派出所 …), with its report
    limits (报到时限)."""

    slug = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("department", "name"), max_length=50)
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    ack_emergency_minutes = models.PositiveSmallIntegerField(
        _("report within (emergencies, minutes)"), default=30
    )
    ack_hours = models.PositiveSmallIntegerField(_("report within (otherwise, hours)"), default=24)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class DepartmentStaff(models.Model):
    """A login that acts for a department (with the role `department_staff`)."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="department_posts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department staff member")
        verbose_name_plural = _("department staff")
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="orders_staff_once")
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.user}"


# --- orders ----------------------------------------------------------------------------------
OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.CLAIMED, State.IN_PROGRESS, State.RESOLVED)
CLAIMED_STATES = (State.CLAIMED, State.IN_PROGRESS)
DONE_STATES = (State.CLOSED, State.PUBLISHED)


class OrderQuerySet(ScopedQuerySet):
    def visible_to(self, user, perm: str = "orders.view"):
        """The orders `user` may see, in one query without duplicates.

        * holders of `perm` (community roles, street admin): every order in their region subtree;
        and, only when asking for `orders.view`:
        * the requester: her own orders (also proxied or anonymous ones she filed);
        * a claimant: the orders she claimed or was dispatched;
        * department staff (`orders.department`): the orders whistled to their department,
          within their scope;
        * claimers (`orders.claim`: party members, volunteers …): the pool of their community —
          accepted, unclaimed orders. Pages show pool rows with public fields only.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        condition = models.Q()
        for prefix in user.scope_prefixes(perm):
            condition |= models.Q(code__prefix=prefix)
        if perm == "orders.view":
            condition |= models.Q(requester=user) | models.Q(claimant=user)
            department_prefixes = user.scope_prefixes("orders.department")
            if department_prefixes:
                whistled = Whistle.objects.filter(department__staff__user=user)
                in_scope = models.Q()
                for prefix in department_prefixes:
                    in_scope |= models.Q(code__prefix=prefix)
                condition |= models.Q(pk__in=whistled.filter(in_scope).values("order_id"))
            pool = models.Q()
            for prefix in user.scope_prefixes("orders.claim"):
                pool |= models.Q(code__prefix=prefix)
            if pool:
                condition |= pool & models.Q(state=State.ACCEPTED, claimant__isnull=True)
        if not condition:
            return self.none()
        return self.filter(condition)

    def pool(self, user):
        """Accepted, unclaimed orders in the communities where `user` may claim (领单池)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = models.Q()
        for prefix in user.scope_prefixes("orders.claim"):
            condition |= models.Q(code__prefix=prefix)
        if not condition and not user.is_superuser:
            return self.none()
        return self.filter(condition, state=State.ACCEPTED, claimant__isnull=True)

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self):
        """Orders past the limit of the stage they are still in (a late order that has since
        been resolved waits for verification, not for its claimant, and is not listed)."""
        return self.filter(
            models.Q(accept_overdue=True, state=State.SUBMITTED)
            | models.Q(claim_overdue=True, state=State.ACCEPTED, claimant__isnull=True)
            | models.Q(
                resolve_overdue=True,
                state__in=(State.ACCEPTED, State.CLAIMED, State.IN_PROGRESS),
            )
        )

    def on_board(self):
        """Published orders (晒单): closed, public, shown with masked names."""
        return self.filter(state=State.PUBLISHED)

    def claimed_by(self, user):
        return self.filter(claimant=user, state__in=CLAIMED_STATES)


class Order(TimeStamped):
    """One request (工单): who asked, where, what, and how far it has come."""

    scope_field = "code"

    number = models.CharField(_("number"), max_length=20, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="orders"
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    # Who asked: a login (a resident filing for herself), or a name and phone taken down by a
    # worker (`proxy_by`); an anonymous requester's name is never shown.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_orders",
    )
    requester_name = models.CharField(_("requester's name"), max_length=50, blank=True)
    requester_phone_enc = models.TextField(editable=False, blank=True)
    requester_phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    requester_phone_masked = models.CharField(
        _("requester's phone"), max_length=20, editable=False, blank=True
    )
    proxy_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed on behalf by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("description"))
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.GENERAL
    )
    public = models.BooleanField(_("show on the public board"), default=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    # Who does the work: a person (party member, volunteer, grid worker …) or a department.
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_orders",
    )
    claimant_kind = models.CharField(
        _("handled as"), max_length=16, choices=ClaimantKind.choices, blank=True
    )
    claimant_name = models.CharField(_("handled by"), max_length=50, blank=True)
    # Time limits, computed when the order is filed and accepted (sixfold.orders.sla).
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    claim_due = models.DateTimeField(_("claim by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    accept_overdue = models.BooleanField(_("accepted late"), default=False)
    claim_overdue = models.BooleanField(_("claimed late"), default=False)
    resolve_overdue = models.BooleanField(_("resolved late"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    auto_closed = models.BooleanField(_("closed automatically"), default=False)
    resolution = models.TextField(_("what was done"), blank=True)
    # The reason of the last rejection, return, send-back or cancellation (history: OrderEvent).
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopen_until = models.DateTimeField(_("may be reopened until"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    source_ref = models.CharField(_("external reference"), max_length=64, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["state", "code"], name="orders_state_code"),
            models.Index(fields=["claimant", "state"], name="orders_claimant_state"),
            models.Index(fields=["category", "code", "submitted_at"], name="orders_dup_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="orders_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def set_requester_phone(self, phone: str) -> None:
        self.requester_phone_enc = pii.encrypt(phone)
        self.requester_phone_hash = pii.lookup_hash(phone)
        self.requester_phone_masked = pii.mask_phone(phone)

    def plaintext_requester_phone(self) -> str:
        """Only for callers that log the reveal."""
        return pii.decrypt(self.requester_phone_enc)

    @property
    def requester_display(self) -> str:
        """The requester's name as staff lists show it (anonymous stays anonymous)."""
        if self.anonymous:
            return str(_("Anonymous"))
        if self.requester_name:
            return self.requester_name
        return str(self.requester) if self.requester_id else ""

    @property
    def requester_masked(self) -> str:
        """张** — for public boards and anonymous visitors."""
        if self.anonymous:
            return str(_("Anonymous"))
        return pii.mask_name(self.requester_display)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        return self.accept_overdue or self.claim_overdue or self.resolve_overdue


def photo_path(instance: "OrderPhoto", filename: str) -> str:
    # The name never comes from the upload: no path tricks, no personal data in file names.
    return f"orders/{instance.order_id}/{instance.token}.{instance.extension}"


class OrderPhoto(models.Model):
    """A photo of the request or of the work done (evidence). Validated by its bytes (JPEG, PNG,
    WebP) and size in `sixfold.orders.actions.add_photo`; served only through a view that checks
    the order's visibility (see `photo_url`)."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Request")
        EVIDENCE = "evidence", _("Evidence")

    scope_field = "code"

    order = models.ForeignKey(
        Order, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="photos"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REQUEST)
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=5, editable=False)
    content_type = models.CharField(max_length=20, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    file = models.FileField(_("file"), upload_to=photo_path, max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("order photo")
        verbose_name_plural = _("order photos")
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.token}"


def photo_url(photo: OrderPhoto) -> str:
    """The URL of a photo, served by the orders app's checking view (never MEDIA_URL)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("orders:photo", args=[photo.order_id, photo.token])
    except NoReverseMatch:
        return f"/orders/{photo.order_id}/photos/{photo.token}/"


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise RuntimeError("Order events are append-only.")

    def delete(self):
        raise RuntimeError("Order events are append-only.")

    delete.queryset_only = True


class OrderEvent(models.Model):
    """One step in an order's history (who, which transition, from, to, note, when); never
    changed. Timers' reminders, overdue flags and escalations are steps too (`actor` empty)."""

    scope_field = "code"

    order = models.ForeignKey(
        Order, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    transition = models.CharField(_("step"), max_length=24, db_index=True)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.transition} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Order events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Order events are append-only.")

    @property
    def label(self) -> str:
        from .states import step_label

        return step_label(self.transition)


# --- whistle and report (吹哨报到, S24) ----------------------------------------------------------
class Whistle(TimeStamped):
    """One escalation of an order to a department, which must report (报到) by `ack_due` and
    then act; the community rates the department's work."""

    class Kind(models.TextChoices):
        PUBLIC_DEMAND = "public_demand", _("Public demand")
        ENFORCEMENT = "enforcement", _("Joint law enforcement")
        EMERGENCY = "emergency", _("Emergency response")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for report")
        ACKNOWLEDGED = "acknowledged", _("Reported")
        FINISHED = "finished", _("Finished")

    scope_field = "code"

    order = models.ForeignKey(
        Order, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="whistles"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="whistles",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("whistled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("whistled at"))
    ack_due = models.DateTimeField(_("report by"))
    ack_overdue = models.BooleanField(_("reported late"), default=False)
    acknowledged_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.TextField(_("what the department did"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finished by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(_("department rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="orders_whistle_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.department}"


class SupervisorNote(models.Model):
    """A 督办 note on an order: a supervisor's instruction, or an escalation by the timers."""

    scope_field = "code"

    order = models.ForeignKey(
        Order, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="notes"
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    text = models.TextField(_("note"))
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    automatic = models.BooleanField(_("by the timers"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervisor note")
        verbose_name_plural = _("supervisor notes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.text[:30]}"
