"""The code models now belong to the `codes` app (see codes.0001_initial): state only.

Their tables keep their `car_` names and their rows: nothing is dropped.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('car', '0001_initial'),
        ('codes', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='CodeEvent'),
                migrations.DeleteModel(name='AccessRefusal'),
                migrations.DeleteModel(name='ActivationCode'),
            ],
        ),
    ]
