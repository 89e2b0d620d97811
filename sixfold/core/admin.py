"""Admin views of the registers are read-only: changes go through the pages and API, which call
the action functions and write audit events. The admin is for inspection by superusers."""

from django.contrib import admin

from .models import AuditEvent, Building, Household, Region, Resident, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ("code", "compound", "floors", "structure")
    search_fields = ("code", "compound")
    list_select_related = ("region",)


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("code", "floors")
    search_fields = ("code",)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("code", "address", "housing")
    search_fields = ("code", "address")


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "gender", "birth_date", "id_number_masked", "phone_masked")
    search_fields = ("name", "code")
    exclude = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "verb", "object_type", "object_repr", "scope_code")
    list_filter = ("verb", "object_type")
    search_fields = ("actor_name", "object_repr", "request_id", "scope_code")
    date_hierarchy = "at"
