from django.urls import path

from . import views

urlpatterns = [
    path("sites/", views.site_list, name="site-list"),
    path("sites/<int:site_id>/", views.site_detail, name="site-detail"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset-detail"),
]
