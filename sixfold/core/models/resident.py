"""Residents (居民) of the household register, with protected personal data."""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import pii
from .base import RegionCodeField, ScopedQuerySet, TimeStamped, unwrap_tags
from .region import Household

ELDERLY_AGE = 60

ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族",
    "基诺族",
]  # fmt: skip


def manual_tag_choices():
    """Tags set by hand; "60+ elderly" follows from the birth date."""
    return [(v, label) for v, label in Resident.Tag.choices if v != Resident.Tag.ELDERLY]


def elderly_cutoff(today: dt.date | None = None) -> dt.date:
    """Residents born on or before this date are 60 or older."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - ELDERLY_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ELDERLY_AGE, day=28)


class ResidentQuerySet(ScopedQuerySet):
    def with_tag(self, tag: str):
        if tag == Resident.Tag.ELDERLY:
            return self.filter(birth_date__lte=elderly_cutoff())
        return self.filter(tags__contains=f",{tag},")

    def with_id_number(self, number: str):
        """Residents whose ID number is `number` (normalized), by its keyed hash. The repeated
        non-empty condition is what lets SQLite use the partial unique index on the hash."""
        return self.filter(id_number_hash=pii.lookup_hash(number)).exclude(id_number_hash="")

    def living(self):
        return self.exclude(status__in=[Resident.Status.MOVED_OUT, Resident.Status.DECEASED])


class Resident(TimeStamped):
    """A person in the household register."""

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Relation(models.TextChoices):
        SELF = "self", _("Householder")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Child-in-law")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered (户籍)")
        NON_REGISTERED = "non_registered", _("Non-registered (非户籍)")
        MOVED_OUT = "moved_out", _("Moved out")
        DECEASED = "deceased", _("Deceased")

    class Tag(models.TextChoices):
        ELDERLY = "elderly", _("60+ elderly")
        LIVING_ALONE = "living_alone", _("Living alone")
        DISABLED = "disabled", _("Disabled")
        LOW_INCOME = "low_income", _("Low-income (低保)")
        VETERAN = "veteran", _("Veteran")
        SPECIAL_CARE = "special_care", _("Special care")

    scope_field = "code"

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    code = RegionCodeField(_("region code"), max_length=40, db_index=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_enc = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False, blank=True)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=20, editable=False, blank=True)
    relation = models.CharField(
        _("relation to householder"), max_length=12, choices=Relation.choices
    )
    ethnicity = models.CharField(
        _("ethnicity"), max_length=10, choices=[(e, e) for e in ETHNICITIES], default="汉族"
    )
    status = models.CharField(
        _("residence status"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    tags = models.CharField(_("tags"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="resident_unique_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    # --- personal data: write through these, read plaintext only through reveal ----------------
    def set_id_number(self, number: str) -> None:
        self.id_number_enc = pii.encrypt(number)
        self.id_number_hash = pii.lookup_hash(number)
        self.id_number_masked = pii.mask_id_number(number)

    def set_phone(self, phone: str) -> None:
        self.phone_enc = pii.encrypt(phone)
        self.phone_hash = pii.lookup_hash(phone)
        self.phone_masked = pii.mask_phone(phone)

    def plaintext_id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)

    def plaintext_phone(self) -> str:
        return pii.decrypt(self.phone_enc)

    # --- derived ---------------------------------------------------------------------------
    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def tag_list(self) -> list[str]:
        tags = unwrap_tags(self.tags)
        if self.birth_date and self.birth_date <= elderly_cutoff():
            tags = [self.Tag.ELDERLY.value, *tags]
        return tags

    def tag_labels(self) -> list[str]:
        labels = dict(self.Tag.choices)
        return [labels.get(t, t) for t in self.tag_list]
