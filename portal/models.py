"""The téléservices database: what families may see, and what they write (docs/teleservices-database.md).

Two groups of tables, one writer each:

- Copied down by `replication/` from the SIECLE base: `School`, `Mef`, `Division`, `Student`,
  `Guardian`, `Link`, `Code`, `NotesDeadline`. Their ids are the SIECLE ids (copied, never
  invented), so the replication upserts and deletes by id. Their foreign keys are
  `DO_NOTHING`: the replication deletes children before parents itself, set-based, and
  PostgreSQL checks the (deferrable) constraints at commit.
- Written by `portal/` (the families): `Account`, `Attachment`, `CodeAttempt`, `FamilySession`,
  and `Outbox`, which carries back up what the SIECLE side must know (a code's first use, a
  code locked after wrong birth dates). The replication reads the outbox as untrusted input.

No activation code is stored in clear: `Code.digest` is HMAC-SHA256(TELESERVICES_CODE_KEY,
normalised value), see `portal.digests`.

The SIECLE side reads these tables only through `portal.selectors` (an import-linter contract
forbids `portal.models` there), except the replication, which writes the copied-down tables.
"""

from django.db import models

# --- Copied down by the replication (writer: replication/) -------------------------------


class School(models.Model):
    """A school whose téléservices are activated; never the heads' or staff data."""

    id = models.BigIntegerField(primary_key=True)
    uaj = models.CharField("UAJ", max_length=8, unique=True)
    academy_code = models.CharField("académie", max_length=20)
    name = models.CharField("nom", max_length=150)
    address_line1 = models.CharField("adresse", max_length=150, blank=True)
    address_line2 = models.CharField("complément d'adresse", max_length=150, blank=True)
    postcode = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    welcome_html = models.TextField("message d'accueil (HTML nettoyé)", blank=True)
    contact_active = models.BooleanField("lien de contact actif", default=False)
    contact_email = models.EmailField("courriel de contact", blank=True)
    notes_mode = models.CharField("publication des notes", max_length=20, blank=True)
    lpc_delay_days = models.PositiveSmallIntegerField("délai de publication du LPC (jours)", default=8)
    # Codes of the open services (services.catalogue.ServiceCode values), sorted.
    services = models.JSONField("services ouverts", default=list, blank=True)
    replicated_at = models.DateTimeField("répliqué le")

    class Meta:
        verbose_name = "établissement (répliqué)"

    def __str__(self) -> str:
        return f"{self.uaj} {self.name}"


class Mef(models.Model):
    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    code = models.CharField("code MEF", max_length=11)
    label = models.CharField("libellé", max_length=60)

    class Meta:
        verbose_name = "MEF (répliqué)"

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Division(models.Model):
    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    code = models.CharField("code", max_length=40)
    label = models.CharField("libellé", max_length=100, blank=True)

    class Meta:
        verbose_name = "division (répliquée)"

    def __str__(self) -> str:
        return self.code


class Student(models.Model):
    """A current student (one who left is not here). No INE: continuity is decided upstream."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    mef = models.ForeignKey(Mef, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+")
    division = models.ForeignKey(Division, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+")
    # The CAE refusal (D3 "Enlever l'accès"): the student's code opens nothing here.
    access_refused = models.BooleanField("accès refusé", default=False)

    class Meta:
        verbose_name = "élève (répliqué)"

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"


class Guardian(models.Model):
    """A legal guardian (rank 1 or 2) of a current student: no address, no e-mail."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    civility = models.CharField("civilité", max_length=5, blank=True)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100, blank=True)

    class Meta:
        verbose_name = "responsable (répliqué)"

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"


class Link(models.Model):
    """A (student, legal guardian 1 or 2) pair that is not refused."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.DO_NOTHING, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.DO_NOTHING, related_name="+")
    legal_rank = models.PositiveSmallIntegerField("rang")

    class Meta:
        verbose_name = "lien responsable (répliqué)"

    def __str__(self) -> str:
        return f"{self.guardian_id} → {self.student_id} ({self.legal_rank})"


class Code(models.Model):
    """A valid activation code, as its keyed digest only. Arrives with the night's run (J+1)."""

    class Kind(models.TextChoices):
        CAR = "R", "CAR"
        CAE = "E", "CAE"

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    digest = models.CharField("empreinte", max_length=64, unique=True)
    kind = models.CharField("type", max_length=1, choices=Kind.choices)
    link = models.ForeignKey(Link, on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.DO_NOTHING, related_name="+")
    created_on = models.DateField("créé le")

    class Meta:
        verbose_name = "code d'activation (répliqué)"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id}"


class NotesDeadline(models.Model):
    """A B5 "à échéance" deadline of a (MEF, division) couple (id of the SIECLE row)."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    mef = models.ForeignKey(Mef, on_delete=models.DO_NOTHING, related_name="+")
    division = models.ForeignKey(Division, on_delete=models.DO_NOTHING, related_name="+")
    deadline = models.DateField("date de publication")

    class Meta:
        verbose_name = "date de publication des notes (répliquée)"

    def __str__(self) -> str:
        return f"{self.mef_id}/{self.division_id} {self.deadline}"


# The consultation data (SPEC F4): only what the publication rules let through
# (docs/consultation.md); each row's id is the SIECLE row's.


class Absence(models.Model):
    """A published half-day of absence (constatée, légitime or classée): no state, no reason."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    # Indexed by the (student, date) index below: a second index on the student alone
    # would only cost every nightly write.
    student = models.ForeignKey(Student, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    date = models.DateField("date")
    half_day = models.CharField("demi-journée", max_length=1)  # M (matin) or A (après-midi)

    class Meta:
        verbose_name = "absence (publiée)"
        indexes = [models.Index(fields=["student", "date"], name="portal_absence_student_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.half_day}"


class Mark(models.Model):
    """A published result, with its evaluation's description (no teacher's name)."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    # Indexed by the (student, date) index below: a second index on the student alone
    # would only cost every nightly write.
    student = models.ForeignKey(Student, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    subject = models.CharField("matière", max_length=80)
    label = models.CharField("libellé", max_length=120)
    evaluated_on = models.DateField("date du contrôle")
    coefficient = models.DecimalField("coefficient", max_digits=5, decimal_places=2)
    scale = models.PositiveSmallIntegerField("noté sur")
    status = models.CharField("statut", max_length=4)  # note, abs, disp, nn
    value = models.DecimalField("note", max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "note (publiée)"
        indexes = [models.Index(fields=["student", "evaluated_on"], name="portal_mark_student_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject} {self.value}"


class Competence(models.Model):
    """A published LPC palier 3 validation (its entry date plus the school's delay has passed)."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.DO_NOTHING, related_name="+")
    competence = models.PositiveSmallIntegerField("compétence")  # 1 to 7, portal.catalogue
    validated_on = models.DateField("validée le")

    class Meta:
        verbose_name = "compétence validée (publiée)"

    def __str__(self) -> str:
        return f"{self.student_id} compétence {self.competence}"


class B2iItem(models.Model):
    """A B2i item validated (published while the school's B2i service is open)."""

    id = models.BigIntegerField(primary_key=True)
    school = models.ForeignKey(School, on_delete=models.DO_NOTHING, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.DO_NOTHING, related_name="+")
    item = models.CharField("item", max_length=5)  # portal.catalogue.B2I_ITEMS
    domain = models.PositiveSmallIntegerField("domaine")
    validated_on = models.DateField("validé le")

    class Meta:
        verbose_name = "item B2i validé (publié)"

    def __str__(self) -> str:
        return f"{self.student_id} B2i {self.item}"


# --- Written by the families (writer: portal/) ------------------------------------------


class Account(models.Model):
    """A families' internet account: a guardian's (several codes attached) or a student's."""

    class Kind(models.TextChoices):
        GUARDIAN = "R", "Responsable"
        STUDENT = "E", "Élève"

    class State(models.TextChoices):
        PROVISIONAL = "P", "Provisoire"
        VALIDATED = "V", "Validé"

    login = models.CharField("identifiant", max_length=60, unique=True)
    email = models.EmailField("courriel", blank=True)
    password = models.CharField("mot de passe", max_length=200)
    kind = models.CharField("type", max_length=1, choices=Kind.choices)
    state = models.CharField("état", max_length=1, choices=State.choices, default=State.PROVISIONAL)
    must_change_password = models.BooleanField("doit changer son mot de passe", default=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    last_login = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "compte téléservices"

    def __str__(self) -> str:
        return self.login


class Attachment(models.Model):
    """A code attached to an account (F1 creation, F2 "Rattacher un enfant", C7 continuity).

    `code_id`, `student_id` and `school_id` are SIECLE ids, not foreign keys: the row outlives
    the `Code` row (an invalidated code), so the admin can still show the pair's last account.
    The children an account sees are those of its attachments whose `Code` row still exists.
    """

    class Origin(models.TextChoices):
        ACTIVATION = "activation", "Activation"
        CONTINUITY = "continuity", "Continuité d'accès"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="attachments")
    code_id = models.BigIntegerField("code (id SIECLE)")
    student_id = models.BigIntegerField("élève (id SIECLE)")
    school_id = models.BigIntegerField("établissement (id SIECLE)", db_index=True)
    attached_at = models.DateTimeField("rattaché le")
    origin = models.CharField("origine", max_length=12, choices=Origin.choices, default=Origin.ACTIVATION)

    class Meta:
        verbose_name = "rattachement"
        constraints = [models.UniqueConstraint(fields=["account", "code_id"], name="attachment_account_code")]
        indexes = [models.Index(fields=["code_id"], name="attachment_code_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} ← code {self.code_id}"


class CodeAttempt(models.Model):
    """Wrong birth dates typed with a code (F1); the code is locked at the fifth."""

    code_id = models.BigIntegerField("code (id SIECLE)", primary_key=True)
    failures = models.PositiveSmallIntegerField("échecs", default=0)
    locked_at = models.DateTimeField("bloqué le", null=True, blank=True)

    class Meta:
        verbose_name = "tentatives sur un code"

    def __str__(self) -> str:
        return f"code {self.code_id}: {self.failures}"


class FamilySession(models.Model):
    """A signed-in family's session (the portal's own storage, apart from the staff's).

    `key_digest` is the SHA-256 of the cookie's value: a leak of this table opens no session.
    Ending an account's sessions (password changed, code revoked) deletes its rows.
    """

    key_digest = models.CharField(max_length=64, primary_key=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sessions")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "session famille"

    def __str__(self) -> str:
        return f"session {self.key_digest[:8]}…"


class Outbox(models.Model):
    """What goes back up to the SIECLE base, appended in the same transaction as the change.

    - `usage`: a code used to create an account or attach a child: `code_id`, `account_id`,
      `at` (first use), payload {"school_id": …, "kind": "R"|"E"}.
    - `lock`: a code locked after 5 wrong birth dates: `code_id`, `at`, payload as above.

    The replication claims rows (FOR UPDATE SKIP LOCKED), checks each against the SIECLE base
    (untrusted input), records it there, then deletes it.
    """

    class Kind(models.TextChoices):
        USAGE = "usage", "Utilisation"
        LOCK = "lock", "Blocage"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    code_id = models.BigIntegerField()
    account_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "message vers SIECLE"

    def __str__(self) -> str:
        return f"{self.kind} code {self.code_id}"
