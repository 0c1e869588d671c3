from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("<uuid:public_id>/", views.report_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.report_edit, name="edit"),
    path("<uuid:public_id>/compare/", views.report_compare, name="compare"),
    path("<uuid:public_id>/comments/", views.comment_add, name="comment"),
    path("<uuid:public_id>/comments/<uuid:comment_id>/resolve/", views.comment_resolve, name="resolve"),
]
