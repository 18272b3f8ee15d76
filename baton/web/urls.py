from django.urls import path

from . import views

urlpatterns = [
    path("", views.todo, name="todo"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("language/", views.switch_language, name="switch-language"),
    path("profile/tokens/<int:token_id>/revoke/", views.revoke_token, name="token-revoke"),
    path("profile/away/", views.set_away, name="away-set"),
    path("profile/away/<int:away_id>/cancel/", views.cancel_away, name="away-cancel"),
]
