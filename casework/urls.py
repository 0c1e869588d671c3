from django.urls import path

from casework import views, workspace

app_name = "casework"
urlpatterns = [
    path("", views.investigation_list, name="list"),
    path("export/", views.investigation_export, name="export"),
    path("directions/", views.direction_list, name="directions"),
    path("leavers/", views.leaver, name="leaver"),
    path("disposals/", views.disposal_list, name="disposals"),
    path("directions/<uuid:public_id>/<slug:action>/", views.direction_action, name="direction_action"),
    path("<ref:reference>/", workspace.investigation_detail, name="detail"),
    *(
        path("<ref:reference>/%s/" % section, workspace.investigation_section, {"section": section}, name=section)
        for section in workspace.SECTIONS
    ),
    path("<ref:reference>/journal/<int:note_id>/", workspace.journal_note, name="journal_note"),
    path("<ref:reference>/break-glass/", workspace.break_glass, name="break_glass"),
    path("<ref:reference>/actions/<slug:action>/", workspace.investigation_action, name="action"),
    path("<ref:reference>/evidence/new/", views.evidence_upload, name="evidence_upload"),
    path("<ref:reference>/evidence/<uuid:public_id>/", views.evidence_download, name="evidence_download"),
    path(
        "<ref:reference>/recommendations/<ref:recommendation>/files/<uuid:public_id>/",
        views.response_attachment,
        name="response_attachment",
    ),
]
