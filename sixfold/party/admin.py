"""Admin views of the party registers are read-only, like the foundation's: changes go through
the pages and the API, which call the action functions and write audit events."""

from django.contrib import admin

from sixfold.core.admin import ReadOnlyAdmin

from .models import (
    GridPost,
    GridPostKind,
    MemberTransfer,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
)


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "term_start", "term_end")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(PartyMember)
class PartyMemberAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "code", "standing", "status", "joined_on")
    list_filter = ("standing", "status", "in_service", "elderly", "in_difficulty", "mobile")
    search_fields = ("code", "name", "resident__name")
    list_select_related = ("resident",)
    exclude = ("phone_enc", "phone_hash")


@admin.register(PartyPost)
class PartyPostAdmin(ReadOnlyAdmin):
    list_display = ("organization", "post", "member", "since")
    list_filter = ("post",)
    list_select_related = ("organization", "member__resident")


@admin.register(MemberTransfer)
class MemberTransferAdmin(ReadOnlyAdmin):
    list_display = ("on", "member", "from_name", "to_name")
    list_select_related = ("member__resident",)


@admin.register(ResponsibilityLink)
class ResponsibilityLinkAdmin(ReadOnlyAdmin):
    list_display = ("code", "level", "member")
    list_filter = ("level",)
    search_fields = ("code",)
    list_select_related = ("member__resident",)


@admin.register(GridPostKind)
class GridPostKindAdmin(ReadOnlyAdmin):
    list_display = ("name", "required", "active", "order")


@admin.register(GridPost)
class GridPostAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "__str__")
    list_filter = ("kind",)
    list_select_related = ("kind", "member__resident", "resident")
