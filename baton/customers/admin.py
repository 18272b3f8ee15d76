from django.contrib import admin

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
    list_display = ("code", "name", "region", "customer", "manager")
    search_fields = ("code", "name", "address")
    list_filter = ("region",)
    autocomplete_fields = ["customer", "manager"]
