"""The benchmarks' baselines: the same upload and download with encryption switched off, and the
trivial signed-in page that other pages' cost is measured against.

Only the benchmark's gunicorn loads this URLconf (tests/perf/http_settings.py). The plain upload
uses Django's default upload handlers, hashes the file and stores it as it is; the plain download
is a FileResponse. Both keep the same authentication and access policy as the real views.
"""

import hashlib

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.template import engines
from django.urls import path

from accounts.access import signed_in
from config.urls import urlpatterns as project_urlpatterns


def plain_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.EVIDENCE_ROOT + "-plain")


@signed_in
def plain_upload(request):
    upload = request.FILES["file"]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = plain_storage().save("plain.bin", upload)
    return HttpResponse("%s %s" % (name, digest.hexdigest()))


@signed_in
def plain_download(request, name):
    return FileResponse(plain_storage().open(name, "rb"), as_attachment=True)


@signed_in
def plain_stream(request, name):
    """The plain file streamed in 1 MiB pieces through Python, as the encrypted download is (no sendfile)."""

    def pieces():
        with plain_storage().open(name, "rb") as source:
            while piece := source.read(1024 * 1024):
                yield piece

    return StreamingHttpResponse(pieces(), content_type="application/octet-stream")


@signed_in
def trivial_page(request):
    """A signed-in page with the site's frame (header, navigation, footer) and one sentence in it."""
    page = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1>A page</h1><p>Nothing else.</p>{% endblock %}'
    )
    return HttpResponse(page.render({}, request))


urlpatterns = [
    path("bench/trivial/", trivial_page),
    path("bench/plain-upload/", plain_upload),
    path("bench/plain-download/<str:name>/", plain_download),
    path("bench/plain-stream/<str:name>/", plain_stream),
    *project_urlpatterns,
]
