"""Pages of the foundation: home, pillars, region browser, registers and the audit log."""

from django.urls import path

from . import views, views_excel

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("pillars/<slug:slug>/", views.pillar, name="pillar"),
    # region tree
    path("regions/", views.region_index, name="region_index"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/edit/", views.region_edit, name="region_edit"),
    path("regions/<str:code>/new/", views.region_create, name="region_create"),
    # buildings and units
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("buildings/<int:pk>/delete/", views.building_delete, name="building_delete"),
    path("buildings/<int:pk>/units/new/", views.unit_create, name="unit_create"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("units/<int:pk>/households/new/", views.household_create, name="household_create"),
    # households and residents
    path("households/", views.household_list, name="household_list"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/delete/", views.household_delete, name="household_delete"),
    path("households/<int:pk>/residents/new/", views.resident_create, name="resident_create"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/delete/", views.resident_delete, name="resident_delete"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    # register workbooks: template, import jobs, exports of each list as filtered
    path("registers/import/", views_excel.import_upload, name="import_upload"),
    path("registers/import/template.xlsx", views_excel.import_template, name="import_template"),
    path("registers/import/<uuid:pk>/", views_excel.import_job, name="import_job"),
    path("registers/import/<uuid:pk>/report.xlsx", views_excel.import_report, name="import_report"),
    path(
        "buildings/export/", views_excel.export_list, {"key": "buildings"}, name="building_export"
    ),
    path("units/export/", views_excel.export_list, {"key": "units"}, name="unit_export"),
    path(
        "households/export/",
        views_excel.export_list,
        {"key": "households"},
        name="household_export",
    ),
    path(
        "residents/export/", views_excel.export_list, {"key": "residents"}, name="resident_export"
    ),
    # audit log
    path("audit/", views.audit_log, name="audit_log"),
]
