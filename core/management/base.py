"""The base of every staff command: its writes are recorded as made by "command NAME"."""

from django.core.management.base import BaseCommand

from core.audit import acting_as, command_label


class AuditedCommand(BaseCommand):
    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        with acting_as(command_label(name)):
            return super().execute(*args, **options)
