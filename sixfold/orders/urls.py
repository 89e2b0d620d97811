"""Pages of the work orders under /orders/ (S9, S24)."""

from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.home, name="home"),
    # residents
    path("new/", views.submit, name="submit"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/step/<slug:name>/", views.step, name="step"),
    path("<int:pk>/photos/", views.add_photos, name="add_photos"),
    path("<int:pk>/photos/<str:token>/", views.photo, name="photo"),
    # claimers
    path("pool/", views.pool, name="pool"),
    path("claimed/", views.claimed, name="claimed"),
    # the community desk
    path("desk/", views.desk, name="desk"),
    path("desk/overdue/", views.overdue, name="overdue"),
    path("desk/kanban/", views.kanban, name="kanban"),
    path("desk/export/", views.export, name="export"),
    path("rates/", views.rates, name="rates"),
    # departments (吹哨报到)
    path("department/", views.department, name="department"),
    path("whistles/<int:pk>/<slug:name>/", views.whistle_step, name="whistle_step"),
    # the public board (晒单)
    path("board/", views.board_index, name="board_index"),
    path("board/<str:code>/", views.board, name="board"),
    path("board/<str:code>/notice/", views.notice, name="notice"),
]
