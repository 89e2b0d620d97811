from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sixfold.api"
    label = "api"
    verbose_name = "API"
