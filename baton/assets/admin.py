from django.contrib import admin

from .models import Asset


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "model", "site", "warranty_end")
    search_fields = ("code", "name", "serial_number", "model")
    list_filter = ("category",)
    autocomplete_fields = ["site", "customer"]
