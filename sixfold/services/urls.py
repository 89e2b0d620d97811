"""Pages of community services under /services/."""

from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.home, name="home"),
    # the e-pages of communities, compounds and buildings (S13)
    path("e/<str:code>/", views.epage, name="epage"),
    # the service network and its coverage audit (S12)
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("coverage/bulk/", views.coverage_bulk, name="coverage_bulk"),
    path("points/", views.point_list, name="point_list"),
    path("points/export/", views.point_export, name="point_export"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
    path("points/<int:pk>/delete/", views.point_delete, name="point_delete"),
    path("points/<int:pk>/staff/", views.staff_add, name="staff_add"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
    # venues (S15)
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/export/", views.venue_export, name="venue_export"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:pk>/edit/", views.venue_edit, name="venue_edit"),
    path("venues/<int:pk>/delete/", views.venue_delete, name="venue_delete"),
    # notices (S13)
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/export/", views.notice_export, name="notice_export"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/publish/", views.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/delete/", views.notice_delete, name="notice_delete"),
    # service types (S21)
    path("types/", views.type_list, name="type_list"),
    path("types/new/", views.type_create, name="type_create"),
    path("types/<int:pk>/edit/", views.type_edit, name="type_edit"),
    path("types/<int:pk>/delete/", views.type_delete, name="type_delete"),
]
