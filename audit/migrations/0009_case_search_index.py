# Built without blocking the trail: every request appends to this table, so the index is made
# concurrently (outside a transaction) rather than holding a write lock for the whole build.

import django.db.models.fields.json
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0008_search_indexes_end_in_seq")]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(django.db.models.fields.json.KeyTransform("case", "detail"), name="audit_case_idx"),
        ),
    ]
