"""User administration. Role assignments are granted and revoked through the account actions so
that each writes its audit event."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .actions import grant_role, revoke_role
from .models import RoleAssignment, User
from .roles import ROLES


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "region")

    def clean(self):
        cleaned = super().clean()
        role, region = cleaned.get("role"), cleaned.get("region")
        if role in ROLES and region is not None and region.level not in ROLES[role].levels:
            self.add_error("region", "This role cannot be scoped to this level.")
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Sixfold", {"fields": ("display_name",)}))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "scope_code", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "scope_code")
    autocomplete_fields = ("user",)
    raw_id_fields = ("region",)
    form = RoleAssignmentForm

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        assignment = grant_role(obj.user, obj.role, obj.region, by=request.user)
        obj.pk = assignment.pk

    def delete_model(self, request, obj):
        revoke_role(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            revoke_role(assignment, by=request.user)
