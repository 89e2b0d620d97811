"""Admin views of the service network are read-only, like the foundation's: changes go through
the pages and the API, which call the action functions and write audit events."""

from django.contrib import admin

from sixfold.core.admin import ReadOnlyAdmin

from .models import Notice, ServicePoint, ServiceStaff, ServiceType, Venue


@admin.register(ServicePoint)
class ServicePointAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "opening_hours")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(ServiceStaff)
class ServiceStaffAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "role", "phone_masked")
    search_fields = ("code", "name")
    exclude = ("phone_enc", "phone_hash")


@admin.register(ServiceType)
class ServiceTypeAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "order_category", "active", "order")


@admin.register(Venue)
class VenueAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "published", "pinned", "expires_on")
    list_filter = ("published", "pinned")
    search_fields = ("code", "title")
