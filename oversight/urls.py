from django.urls import path

from oversight import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("break-glass/", views.break_glass_review, name="break_glass"),
    path("export/", views.export_events, name="export"),
    path("review/", views.review_queue, name="review_queue"),
    path("subject-access/", views.subject_access, name="subject_access"),
]
