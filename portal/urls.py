from django.urls import path

from portal import response_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.code, name="code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("consultations/<uuid:public_id>/", views.consultation, name="consultation"),
    path("consultations/<uuid:public_id>/pdf/", views.consultation_pdf, name="consultation_pdf"),
    path("consultations/<uuid:public_id>/comment/", views.consultation_comment, name="consultation_comment"),
    path("consultations/<uuid:public_id>/<slug:step>/", views.consultation_step, name="consultation_step"),
    path("recommendations/", response_views.recommendations, name="recommendations"),
    path("recommendations/<ref:reference>/", response_views.recommendation, name="recommendation"),
    path("recommendations/<ref:reference>/send/", response_views.recommendation_submit, name="recommendation_submit"),
]
