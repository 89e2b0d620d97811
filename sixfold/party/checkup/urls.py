"""Pages of the party-spirit check-up (S7) under /party/checkup/."""

from django.urls import path

from . import views

app_name = "checkup"
urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("me/", views.me, name="me"),
    path("rate/", views.rate, name="rate"),
    path("<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("<int:pk>/open/", views.cycle_open, name="cycle_open"),
    path("<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("<int:pk>/indicators/new/", views.indicator_add, name="indicator_add"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/sheets/", views.sheet_list, name="sheet_list"),
    path("<int:pk>/sheets/export/", views.sheet_export, name="sheet_export"),
    path("<int:pk>/summary/", views.summary, name="summary"),
    path("<int:pk>/members/<int:member_pk>/", views.sheet, name="sheet"),
    path(
        "<int:pk>/members/<int:member_pk>/assess/<str:party>/",
        views.assess,
        name="assess",
    ),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/remove/", views.indicator_delete, name="indicator_delete"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/export/", views.rectification_export, name="rectification_export"),
    path("rectifications/<int:pk>/done/", views.rectification_done, name="rectification_done"),
    path("results/<int:pk>/rectifications/new/", views.rectification_add, name="rectification_add"),
    path("results/<int:pk>/recheck/", views.recheck, name="recheck"),
]
