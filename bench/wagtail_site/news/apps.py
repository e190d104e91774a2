from django.apps import AppConfig


class NewsConfig(AppConfig):
    default_auto_field = "django.db.models.AutoField"
    name = "news"
