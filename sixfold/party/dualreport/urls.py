"""Pages of dual reporting (双报到, S22) under /party/dual-report/."""

from django.urls import path, re_path

from . import views

app_name = "dualreport"
urlpatterns = [
    path("", views.home, name="home"),
    # the member's own pages
    path("me/", views.me, name="me"),
    path("me/register/", views.me_register, name="me_register"),
    # member registrations
    path("registrations/", views.registration_list, name="registration_list"),
    path("registrations/export/", views.registration_export, name="registration_export"),
    path("registrations/new/", views.registration_create, name="registration_create"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration_detail"),
    path("registrations/<int:pk>/edit/", views.registration_edit, name="registration_edit"),
    path(
        "registrations/<int:pk>/withdraw/",
        views.registration_withdraw,
        name="registration_withdraw",
    ),
    path("registrations/<int:pk>/log/", views.registration_log, name="registration_log"),
    path("registrations/<int:pk>/assess/", views.registration_assess, name="registration_assess"),
    path("registrations/<int:pk>/letter/", views.letter, name="letter"),
    # unit registrations
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/withdraw/", views.unit_withdraw, name="unit_withdraw"),
    # posts and claims
    path("posts/", views.post_list, name="post_list"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/status/", views.post_status, name="post_status"),
    path("posts/<int:pk>/claim/", views.post_claim, name="post_claim"),
    path("posts/<int:pk>/assign/", views.post_assign, name="post_assign"),
    path("claims/<int:pk>/release/", views.claim_release, name="claim_release"),
    # service records
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
    re_path(
        r"^records/(?P<pk>[0-9]+)/(?P<verb>reject|withdraw)/$",
        views.record_decide,
        name="record_decide",
    ),
    # quarterly letters and the lists of who is missing
    path("letters/", views.letter_list, name="letter_list"),
    path("letters/export/", views.letter_export, name="letter_export"),
    path("letters/print/", views.letter_batch, name="letter_batch"),
    path("not-reported/", views.unregistered_list, name="unregistered_list"),
    path("not-reported/export/", views.unregistered_export, name="unregistered_export"),
    path("no-service/", views.idle_list, name="idle_list"),
    path("no-service/export/", views.idle_export, name="idle_export"),
]
