from django.urls import path

from casework import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<uuid:public_id>/", views.organisation_detail, name="detail"),
    path(
        "<uuid:public_id>/contacts/<uuid:person_id>/remove/",
        views.organisation_contact_remove,
        name="contact_remove",
    ),
]
