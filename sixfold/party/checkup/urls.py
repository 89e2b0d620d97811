"""Pages of the party-spirit check-up under /party/checkup/."""

app_name = "checkup"
urlpatterns: list = []
