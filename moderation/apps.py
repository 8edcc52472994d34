from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Town-hall moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from moderation import signals

        signals.connect()
