from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("assign/", views.referral_bulk_assign, name="bulk_assign"),
    path("export/", views.referral_export, name="export"),
    path("<ref:reference>/", views.referral_detail, name="detail"),
    path("<ref:reference>/assess/", views.referral_assess, name="assess"),
    path("<ref:reference>/actions/<slug:action>/", views.referral_action, name="action"),
    path("<ref:reference>/attachments/new/", views.referral_attach, name="attach"),
    path("<ref:reference>/attachments/<uuid:public_id>/", views.referral_attachment, name="attachment"),
]
