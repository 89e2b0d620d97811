"""Admin of the work-order engine.

Configuration is edited here by street administrators (superusers or staff): the category tree
with its time limits, the department register with its staff logins, and the work-day calendar
(a new year's holidays and make-up days, saved through `sixfold.core.workdays.set_day`, which
writes the audit event). Orders, whistles, events and notes are read-only: they change only
through `sixfold.orders.actions`.
"""

from django.contrib import admin

from sixfold.core import workdays
from sixfold.core.admin import ReadOnlyAdmin
from sixfold.core.models import CalendarDay

from .models import (
    Category,
    Department,
    DepartmentStaff,
    Order,
    OrderEvent,
    SupervisorNote,
    TimeLimit,
    Whistle,
)


class TimeLimitInline(admin.TabularInline):
    model = TimeLimit
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "slug", "default_urgency", "active", "sort")
    list_filter = ("active", "default_urgency")
    search_fields = ("slug", "name")
    inlines = [TimeLimitInline]

    def has_delete_permission(self, request, obj=None):
        return False  # orders refer to it: switch it off ("in use") instead


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("__str__", "accept_amount", "accept_unit", "claim_amount", "claim_unit",
                    "resolve_amount", "resolve_unit")  # fmt: skip
    list_filter = ("urgency",)


class DepartmentStaffInline(admin.TabularInline):
    model = DepartmentStaff
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "phone", "ack_emergency_minutes", "ack_hours", "active")
    list_filter = ("active",)
    inlines = [DepartmentStaffInline]

    def has_delete_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ("at", "transition", "from_state", "to_state", "actor_name", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "code", "category", "state", "urgency", "submitted_at")
    list_filter = ("state", "urgency", "channel", "category")
    search_fields = ("number", "code", "title")
    list_select_related = ("category__parent",)
    exclude = ("requester_phone_enc", "requester_phone_hash")
    inlines = [OrderEventInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


@admin.register(Whistle)
class WhistleAdmin(ReadOnlyAdmin):
    list_display = ("order", "department", "kind", "status", "at", "ack_due", "ack_overdue")
    list_filter = ("status", "kind", "department")
    list_select_related = ("order", "department")


@admin.register(SupervisorNote)
class SupervisorNoteAdmin(ReadOnlyAdmin):
    list_display = ("order", "level", "automatic", "at")
    list_filter = ("automatic", "level")
    list_select_related = ("order",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The work-day calendar: enter next year's holidays and make-up working days here."""

    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"
    fields = ("date", "is_workday", "name")

    def save_model(self, request, obj, form, change):
        saved = workdays.set_day(obj.date, is_workday=obj.is_workday, name=obj.name,
                                 by=request.user)  # fmt: skip
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False
