"""What staff commands share: the audit label of their writes, and a progress bar that survives Ctrl-C."""

import contextlib
import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from core.audit import acting_as, command_label


class AuditedCommand(BaseCommand):
    """The base of every staff command: its writes are recorded as made by "command NAME"."""

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        with acting_as(command_label(name)):
            return super().execute(*args, **options)

    @contextlib.contextmanager
    def progress(self, *, report, left: str, **bar_options):
        """A tqdm bar on stderr (none when stderr is not a terminal). On Ctrl-C: `report()` of
        what was done, how to go on ("run the same command again to <left>"), exit status 130."""
        bar = tqdm(file=sys.stderr, disable=None, dynamic_ncols=True, **bar_options)
        try:
            yield bar
        except KeyboardInterrupt:
            bar.close()
            report()
            self.stderr.write(f"Interrupted: run the same command again to {left}.")
            sys.exit(130)
        bar.close()
