from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<username:username>/", views.user_detail, name="user_detail"),
    path("set-password/<str:uidb64>/<str:token>/", views.set_password, name="set_password"),
    path("declarations/", views.declarations, name="declarations"),
    path("second-factor/", views.mfa_verify, name="mfa_verify"),
    path("second-factor/set-up/", views.mfa_setup, name="mfa_setup"),
    path("second-factor/settings/", views.mfa_settings, name="mfa_settings"),
    path("sessions/", views.session_list, name="sessions"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("users/<username:username>/<slug:action>/", views.user_action, name="user_action"),
]
