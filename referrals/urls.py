from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("<str:reference>/", views.referral_detail, name="detail"),
]
