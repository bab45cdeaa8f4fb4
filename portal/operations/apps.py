from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the installation: backups and restores (docs/operations.md)."""

    name = "portal.operations"
    label = "operations"
