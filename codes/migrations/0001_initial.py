"""The code models move here from `car` with their tables untouched (state only).

On a database migrated before the move the tables already exist under their `car_` names;
on a fresh one `car.0001_initial` creates them. Either way this migration only tells Django
that the models now belong to `codes`, and relabels their content types (admin permissions
and history keep pointing at the same models).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("activationcode", "codeevent", "accessrefusal")


def relabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="car", model__in=MOVED).update(app_label="codes")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="codes", model__in=MOVED).update(app_label="car")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('car', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('siecle', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ActivationCode',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('R', 'CAR (responsable)'), ('E', 'CAE (élève)')], max_length=1, verbose_name='type')),
                        ('value', models.CharField(max_length=13, unique=True, verbose_name='code')),
                        ('is_valid', models.BooleanField(default=True, verbose_name='valide')),
                        ('created_at', models.DateTimeField(verbose_name='créé le')),
                        ('changed_at', models.DateTimeField(verbose_name='date dernière modif.')),
                        ('change_kind', models.CharField(choices=[('creation', 'Création'), ('invalidation', 'Invalidation'), ('use', 'Utilisation'), ('notification', 'Notification'), ('continuity', "Continuité d'accès"), ('refusal', 'Accès enlevé (refus enregistré)'), ('refusal_lifted', 'Accès autorisé (refus levé)')], max_length=20, verbose_name='dernière modification')),
                        ('invalidated_at', models.DateTimeField(blank=True, null=True, verbose_name='invalidé le')),
                        ('notified_at', models.DateField(blank=True, null=True, verbose_name='date de notification')),
                        ('notification_mode', models.CharField(blank=True, choices=[('M', 'Mél'), ('C', 'Courrier'), ('I', 'Inconnu')], max_length=1, verbose_name='mode de notification')),
                        ('continuity_at', models.DateField(blank=True, null=True, verbose_name="date de continuité d'accès")),
                        ('used_at', models.DateTimeField(blank=True, null=True, verbose_name='utilisé le')),
                        ('account_id', models.BigIntegerField(blank=True, null=True, verbose_name='compte téléservices')),
                        ('link', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='activation_codes', to='siecle.guardianlink')),
                        ('school', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='activation_codes', to='siecle.school')),
                        ('student', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='activation_codes', to='siecle.student')),
                    ],
                    options={
                        'db_table': 'car_activationcode',
                        'verbose_name': "code d'activation",
                        'verbose_name_plural': "codes d'activation",
                    },
                ),
                migrations.CreateModel(
                    name='CodeEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('R', 'CAR (responsable)'), ('E', 'CAE (élève)')], max_length=1, verbose_name='type')),
                        ('event', models.CharField(choices=[('creation', 'Création'), ('invalidation', 'Invalidation'), ('use', 'Utilisation'), ('notification', 'Notification'), ('continuity', "Continuité d'accès"), ('refusal', 'Accès enlevé (refus enregistré)'), ('refusal_lifted', 'Accès autorisé (refus levé)')], max_length=20, verbose_name='événement')),
                        ('mode', models.CharField(blank=True, choices=[('M', 'Mél'), ('C', 'Courrier'), ('I', 'Inconnu')], max_length=1, verbose_name='mode')),
                        ('detail', models.CharField(blank=True, max_length=200, verbose_name='précision')),
                        ('at', models.DateTimeField(verbose_name='date')),
                        ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('code', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='codes.activationcode')),
                        ('link', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='code_events', to='siecle.guardianlink')),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='code_events', to='siecle.school')),
                        ('student', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='code_events', to='siecle.student')),
                    ],
                    options={
                        'db_table': 'car_codeevent',
                        'verbose_name': 'événement de code',
                        'verbose_name_plural': 'historique des codes',
                    },
                ),
                migrations.CreateModel(
                    name='AccessRefusal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('R', 'CAR (responsable)'), ('E', 'CAE (élève)')], max_length=1, verbose_name='type')),
                        ('recorded_at', models.DateTimeField(verbose_name='enregistré le')),
                        ('link', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_refusals', to='siecle.guardianlink')),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_refusals', to='siecle.school')),
                        ('student', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='access_refusals', to='siecle.student')),
                    ],
                    options={
                        'db_table': 'car_accessrefusal',
                        'verbose_name': "refus d'accès",
                        'verbose_name_plural': "refus d'accès",
                        'indexes': [models.Index(fields=['school', 'kind'], name='refusal_school_kind_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'R')), fields=('link',), name='refusal_one_per_link'), models.UniqueConstraint(condition=models.Q(('kind', 'E')), fields=('student',), name='refusal_one_per_student'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'R'), ('link__isnull', False)), models.Q(('kind', 'E'), ('link__isnull', True)), _connector='OR'), name='refusal_car_has_link_cae_has_none')],
                    },
                ),
                migrations.AddIndex(
                    model_name='activationcode',
                    index=models.Index(fields=['link', 'created_at'], name='code_link_idx'),
                ),
                migrations.AddIndex(
                    model_name='activationcode',
                    index=models.Index(fields=['student', 'kind', 'created_at'], name='code_student_idx'),
                ),
                migrations.AddIndex(
                    model_name='activationcode',
                    index=models.Index(fields=['school', 'kind', 'is_valid'], name='code_school_kind_valid_idx'),
                ),
                migrations.AddIndex(
                    model_name='activationcode',
                    index=models.Index(condition=models.Q(('account_id__isnull', False)), fields=['account_id'], name='code_account_idx'),
                ),
                migrations.AddConstraint(
                    model_name='activationcode',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_valid', True), ('kind', 'R')), fields=('link',), name='code_one_valid_car_per_link'),
                ),
                migrations.AddConstraint(
                    model_name='activationcode',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_valid', True), ('kind', 'E')), fields=('student',), name='code_one_valid_cae_per_student'),
                ),
                migrations.AddConstraint(
                    model_name='activationcode',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'R'), ('link__isnull', False)), models.Q(('kind', 'E'), ('link__isnull', True)), _connector='OR'), name='code_car_has_link_cae_has_none'),
                ),
                migrations.AddConstraint(
                    model_name='activationcode',
                    constraint=models.CheckConstraint(condition=models.Q(('value', ''), _negated=True), name='code_value_not_empty'),
                ),
                migrations.AddIndex(
                    model_name='codeevent',
                    index=models.Index(fields=['link', 'at'], name='event_link_idx'),
                ),
                migrations.AddIndex(
                    model_name='codeevent',
                    index=models.Index(fields=['student', 'kind', 'at'], name='event_student_idx'),
                ),
    
            ],
        ),
        migrations.RunPython(relabel_content_types, restore_content_types),
    ]
