"""Pages of dual reporting (双报到, S22) under /party/dual-report/."""

app_name = "dualreport"
urlpatterns: list = []
