from django.urls import path

from notify import views

app_name = "notify"
urlpatterns = [
    path("jobs/", views.job_list, name="jobs"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/settings/", views.email_preference, name="email_preference"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
]
