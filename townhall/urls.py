from django.conf import settings
from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.urls import include, path, re_path

from townhall import charter_views, my_data, record_views, views

# Password reset mails a link: without mail (EMAIL_HOST) its pages would
# promise a mail that never comes, so they do not exist (404).
account_urls = [
    route
    for route in auth_urls.urlpatterns
    if settings.PASSWORD_RESET_ENABLED or not (route.name or "").startswith("password_reset")
]

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/", include(account_urls)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("join", views.join, name="join"),
    path("t/<slug:slug>/", views.citizen, name="citizen"),
    path("t/<slug:slug>/qr.svg", views.join_qr, name="join-qr"),
    path("t/<slug:slug>/my-data.json", my_data.download, name="my-data"),
    path("t/<slug:slug>/my-data/erase", my_data.erase, name="my-data-erase"),
    path("t/<slug:slug>/moderate/", views.moderate, name="moderate"),
    re_path(
        r"^t/(?P<slug>[-a-zA-Z0-9_]+)/moderate/export/(?P<what>questions|decisions)\.(?P<fmt>csv|json)$",
        views.moderate_export,
        name="moderate-export",
    ),
    path("t/<slug:slug>/screen/", views.screen, name="screen"),
    path("t/<slug:slug>/record/", record_views.record_page, name="record"),
    path("t/<slug:slug>/record.json", record_views.record_json, name="record-json"),
    path("t/<slug:slug>/charter/", charter_views.charter, name="charter"),
    path("t/<slug:slug>/charter/edit/", charter_views.charter_edit, name="charter-edit"),
]
