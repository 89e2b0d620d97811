"""Pages of community party building under /party/."""

from django.urls import path

from . import views, views_import, views_stars

app_name = "party"
urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    # organisations (S1)
    path("organisations/", views.organization_list, name="organization_list"),
    path("organisations/new/", views.organization_create, name="organization_create"),
    path("organisations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organisations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path(
        "organisations/<int:pk>/dissolve/",
        views.organization_dissolve,
        name="organization_dissolve",
    ),
    path("organisations/<int:pk>/posts/new/", views.post_add, name="post_add"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
    # members and transfers
    path("members/", views.member_list, name="member_list"),
    path("members/export/", views.member_export, name="member_export"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/import/", views_import.member_import, name="member_import"),
    path(
        "members/import/template/",
        views_import.member_import_template,
        name="member_import_template",
    ),
    path("members/import/<uuid:pk>/", views_import.member_import_job, name="member_import_job"),
    path(
        "members/import/<uuid:pk>/report/",
        views_import.member_import_report,
        name="member_import_report",
    ),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("members/<int:pk>/login/", views.member_login, name="member_login"),
    path("members/<int:pk>/death/", views.member_death, name="member_death"),
    path("residents/search/", views.resident_search, name="resident_search"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    # the coverage audit and the responsibility chain (S2)
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("chain/<str:code>/", views.chain_node, name="chain_node"),
    path("chain/<str:code>/assign/", views.chain_assign, name="chain_assign"),
    path("chain/<str:code>/unassign/", views.chain_unassign, name="chain_unassign"),
    path("chain/<str:code>/bulk/", views.chain_bulk, name="chain_bulk"),
    path("chain/<str:code>/export/", views.chain_export, name="chain_export"),
    # grid posts (S26)
    path("grid-posts/", views.grid_posts, name="grid_posts"),
    path("grid-posts/kinds/", views.post_kinds, name="post_kinds"),
    path("grid-posts/kinds/<int:pk>/edit/", views.post_kind_edit, name="post_kind_edit"),
    path("grid-posts/<str:code>/", views.grid_post_edit, name="grid_post_edit"),
    # points, stars and the airing board (S6, S8)
    path("points/", views_stars.ledger_list, name="points_ledger"),
    path("points/mine/", views_stars.my_points, name="points_mine"),
    path("points/mine/board/", views_stars.my_board_choice, name="points_board_choice"),
    path("points/members/<int:pk>/", views_stars.ledger_member, name="points_person"),
    path("points/members/<int:pk>/adjust/", views_stars.ledger_adjust, name="points_adjust"),
    path("points/members/<int:pk>/board/", views_stars.ledger_board_choice, name="points_board"),
    path(
        "points/members/<int:pk>/disqualify/",
        views_stars.ledger_disqualify,
        name="points_disqualify",
    ),
    path("points/entries/<int:pk>/reverse/", views_stars.ledger_reverse, name="points_reverse"),
    path(
        "points/disqualifications/<int:pk>/withdraw/",
        views_stars.ledger_withdraw_disqualification,
        name="points_withdraw",
    ),
    path("ratings/", views_stars.rating_list, name="ratings"),
    path("ratings/compute/", views_stars.rating_compute, name="rating_compute"),
    path("ratings/items/", views_stars.star_items, name="star_items"),
    path("ratings/items/<int:pk>/edit/", views_stars.star_item_edit, name="star_item_edit"),
    path("ratings/<str:code>/", views_stars.rating_detail, name="rating_detail"),
    path("ratings/<str:code>/publish/", views_stars.rating_publish, name="rating_publish"),
    path("ratings/<str:code>/export/", views_stars.rating_export, name="rating_export"),
    path("ratings/<str:code>/members/<int:pk>/", views_stars.rating_result, name="rating_result"),
    path("airing/", views_stars.airing_index, name="airing_index"),
    path("airing/<str:code>/", views_stars.airing_board, name="airing_board"),
]
