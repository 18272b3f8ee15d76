from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from baton.sla.services import recompute as sla_recompute

from .models import ApiToken, Department, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Baton",
            {
                "fields": (
                    "name",
                    "phone",
                    "employee_no",
                    "department",
                    "superior",
                    "customer",
                    "language",
                    "time_zone",
                )
            },
        ),
    )
    list_display = ("username", "name", "department", "employee_no", "is_active")
    search_fields = ("username", "name", "employee_no", "phone")
    list_filter = ("is_active", "department")
    autocomplete_fields = ["department", "superior", "customer"]
    inlines = [RoleInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "manager", "dispatcher", "calendar")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    autocomplete_fields = ["parent", "manager", "dispatcher"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        path = f"{obj.parent.path if obj.parent else '/'}{obj.pk}/"
        if obj.path != path:
            Department.objects.filter(pk=obj.pk).update(path=path)
        if "calendar" in form.changed_data:  # open tickets below it may count on another calendar now
            sla_recompute.recompute_for_assignment(actor=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")
