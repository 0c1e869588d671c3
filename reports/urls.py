from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<uuid:public_id>/", views.report_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.report_edit, name="edit"),
    path("<uuid:public_id>/pdf/", views.report_pdf, name="pdf"),
    path("<uuid:public_id>/identifiers/", views.identifiers, name="identifiers"),
    path("<uuid:public_id>/compare/", views.report_compare, name="compare"),
    path("<uuid:public_id>/comments/", views.comment_add, name="comment"),
    path("<uuid:public_id>/comments/<uuid:comment_id>/resolve/", views.comment_resolve, name="resolve"),
    path("<uuid:public_id>/interim/<slug:action>/", views.interim_step, name="interim_step"),
    path("<uuid:public_id>/consult/", views.consult, name="consult"),
    path("consultations/<uuid:public_id>/", views.consultation_detail, name="consultation"),
    path("consultations/<uuid:public_id>/export/", views.consultation_export, name="consultation_export"),
    path(
        "consultations/<uuid:public_id>/attachments/<uuid:file_id>/",
        views.consultation_attachment,
        name="consultation_attachment",
    ),
    path("consultations/<uuid:public_id>/<slug:action>/", views.consultation_action, name="consultation_action"),
]
