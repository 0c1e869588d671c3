from django.urls import path

from disclosures import views

app_name = "disclosures"
urlpatterns = [
    path("", views.register, name="register"),
    path("export/", views.register_export, name="export"),
    path("<ref:reference>/new/", views.request_new, name="new"),
    path("<ref:reference>/<uuid:public_id>/", views.request_detail, name="detail"),
    path("<ref:reference>/<uuid:public_id>/package/", views.package_download, name="package"),
    path("<ref:reference>/<uuid:public_id>/<slug:action>/", views.request_action, name="action"),
]
