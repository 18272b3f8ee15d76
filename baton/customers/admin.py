from django.contrib import admin

from baton.sla.services import recompute as sla_recompute

from .models import Customer, Region, Site


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level")
    search_fields = ("code", "name")
    list_filter = ("level",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department")
    search_fields = ("code", "name")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "customer", "manager", "calendar")
    search_fields = ("code", "name", "address")
    list_filter = ("region",)
    autocomplete_fields = ["customer", "manager"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "calendar" in form.changed_data:  # open tickets of the site now count on another calendar
            sla_recompute.recompute_for_assignment(actor=request.user)
