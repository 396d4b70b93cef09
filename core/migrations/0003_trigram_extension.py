"""pg_trgm, for the trigram indexes of search (core.search); nothing on SQLite.

Creating an extension needs the CREATE privilege on the database (PostgreSQL 13+
lets a database owner create a trusted extension such as pg_trgm) or an operator
who ran `CREATE EXTENSION pg_trgm` first: then this step only finds it there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_auditlogentry")]

    operations = [TrigramExtension()]
