"""Admin of dual reporting: the post categories are edited here (through the action, so the
change is audited); the registers are read-only, changed through the pages and the API."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from sixfold.core.admin import ReadOnlyAdmin

from . import actions
from .models import (
    MemberRegistration,
    PostClaim,
    QuarterlyAssessment,
    ServiceCategory,
    ServicePost,
    ServiceRecord,
    UnitRegistration,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order", "active")
    list_editable = ()
    fields = ("slug", "name", "order", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("slug",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # retire a category instead: posts keep theirs

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data.get(field) for field in ("slug", "name", "order")}
        data["active"] = form.cleaned_data.get("active", True)
        current = ServiceCategory.objects.get(pk=obj.pk) if change else None
        # The model form has checked the unique key and name already; the action checks again.
        try:
            saved = actions.save_category(current, data, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return
        obj.pk = saved.pk


@admin.register(MemberRegistration)
class MemberRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "code", "registered_on", "status")
    list_filter = ("status",)
    search_fields = ("code", "employer", "member__name", "member__resident__name")
    list_select_related = ("member__resident",)
    exclude = ("phone_enc", "phone_hash")


@admin.register(UnitRegistration)
class UnitRegistrationAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "code", "contact_name", "status")
    list_filter = ("status",)
    search_fields = ("name", "unit", "code")
    exclude = ("phone_enc", "phone_hash")


@admin.register(ServicePost)
class ServicePostAdmin(ReadOnlyAdmin):
    list_display = ("title", "category", "code", "capacity", "status")
    list_filter = ("status", "category")
    search_fields = ("title", "code")
    list_select_related = ("category",)


@admin.register(PostClaim)
class PostClaimAdmin(ReadOnlyAdmin):
    list_display = ("post", "registration", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("post", "registration__member__resident")


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "code", "status", "points")
    list_filter = ("status",)
    list_select_related = ("registration__member__resident",)


@admin.register(QuarterlyAssessment)
class QuarterlyAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "grade", "code")
    list_filter = ("grade", "year", "quarter")
    list_select_related = ("registration__member__resident",)
