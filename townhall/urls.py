from django.contrib import admin
from django.urls import include, path

from townhall import views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("join", views.join, name="join"),
    path("t/<slug:slug>/", views.citizen, name="citizen"),
    path("t/<slug:slug>/qr.svg", views.join_qr, name="join-qr"),
    path("t/<slug:slug>/moderate/", views.moderate, name="moderate"),
    path("t/<slug:slug>/screen/", views.screen, name="screen"),
]
