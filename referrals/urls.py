from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("<str:reference>/", views.referral_detail, name="detail"),
    path("<str:reference>/assess/", views.referral_assess, name="assess"),
    path("<str:reference>/actions/<slug:action>/", views.referral_action, name="action"),
    path("<str:reference>/attachments/new/", views.referral_attach, name="attach"),
    path("<str:reference>/attachments/<uuid:public_id>/", views.referral_attachment, name="attachment"),
]
