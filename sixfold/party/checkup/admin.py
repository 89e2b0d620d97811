"""Admin views of the check-up are read-only: changes go through the pages and the API, which
call the action functions and write audit events."""

from django.contrib import admin

from sixfold.core.admin import ReadOnlyAdmin

from .models import CheckupCycle, CheckupResult, RectificationItem


@admin.register(CheckupCycle)
class CheckupCycleAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "year", "status")
    list_filter = ("status", "year")
    search_fields = ("name", "code")


@admin.register(CheckupResult)
class CheckupResultAdmin(ReadOnlyAdmin):
    list_display = ("member", "cycle", "total", "initial_grade", "grade")
    list_filter = ("grade",)
    search_fields = ("code",)


@admin.register(RectificationItem)
class RectificationItemAdmin(ReadOnlyAdmin):
    list_display = ("member", "problem", "due_on", "status")
    list_filter = ("status",)
    search_fields = ("code", "problem")
