from django.urls import path

from referrals import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.share_concern, name="share_concern"),
    path("sent/", public_views.concern_sent, name="concern_sent"),
    path("follow-up/", public_views.follow_up, name="follow_up"),
    path("follow-up/sign-out/", public_views.concern_sign_out, name="concern_sign_out"),
    path("follow-up/<ref:reference>/", public_views.concern, name="concern"),
    path("follow-up/<ref:reference>/e-mail/", public_views.concern_nudge, name="concern_nudge"),
]
