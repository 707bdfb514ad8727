"""The SIECLE base (SPEC A1): academy, schools, MEFs, divisions, students, guardians, links.

Schools own everything below them: a student, a guardian, a MEF or a division belongs to one
school, identified in SIECLE exports by its own ids (ELEVE_ID, PERSONNE_ID, CODE_MEF).
A parent with children in two schools is two guardians, one per school; the families'
portal joins them through the activation codes attached to one account.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

uaj_validator = RegexValidator(r"^\d{7}[A-Z]$", "Un UAJ s'écrit avec 7 chiffres et une lettre (ex. 0780123A).")


_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def link_domain_normalised(domain: str) -> str:
    """A host name as links are compared: lower-case, ASCII (punycode), no trailing dot; "" if none."""
    host = (domain or "").strip().lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return host if _DOMAIN.match(host) else ""


def link_domains_parse(text: str) -> list[str]:
    """The domains of an academy's allow-list (one per line, or separated by commas or spaces).

    "*.ac-paris.fr" and ".ac-paris.fr" mean "ac-paris.fr": subdomains are always accepted.
    Raises ValidationError (French) naming the first entry that is not a domain.
    """
    domains: list[str] = []
    for entry in re.split(r"[\s,;]+", text or ""):
        if not entry:
            continue
        domain = link_domain_normalised(entry.removeprefix("*.").lstrip("."))
        if not domain:
            raise ValidationError(f"« {entry} » n'est pas un nom de domaine (ex. ac-versailles.fr).")
        if domain not in domains:
            domains.append(domain)
    return domains


def search_key(text: str) -> str:
    """Upper-case, accent-free form of a name, for "first letters of the name" searches."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


class Academy(models.Model):
    code = models.CharField("code", max_length=20, unique=True)
    name = models.CharField("nom", max_length=100)
    teleservices_url = models.URLField("adresse des téléservices", blank=True)
    # B3: the sites the schools' welcome messages may link to (services.welcome).
    welcome_link_domains = models.TextField(
        "domaines autorisés dans les liens des messages d'accueil",
        blank=True,
        help_text=(
            "Un domaine par ligne (ex. ac-versailles.fr) ; ses sous-domaines sont acceptés aussi. "
            "Vide : tout site en https. Les adresses électroniques (mailto:) ne sont pas concernées."
        ),
    )

    class Meta:
        verbose_name = "académie"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            domains = link_domains_parse(self.welcome_link_domains)
        except ValidationError as error:
            raise ValidationError({"welcome_link_domains": error.messages}) from error
        self.welcome_link_domains = "\n".join(domains)

    def welcome_link_domain_list(self) -> list[str] | None:
        """The allow-list of the welcome messages' links, or None when any https site may be linked.

        Only the admin's form writes the field, and it validates; an entry that is not a domain,
        written some other way, is left out: it never widens the list to "any site".
        """
        if not self.welcome_link_domains.strip():
            return None
        entries = re.split(r"[\s,;]+", self.welcome_link_domains)
        entries = (link_domain_normalised(e.removeprefix("*.").lstrip(".")) for e in entries if e)
        return [domain for domain in entries if domain]


class Ent(models.Model):
    """A digital workspace (Espace numérique de travail) declared for the academy."""

    academy = models.ForeignKey(Academy, on_delete=models.CASCADE, related_name="ents")
    location = models.CharField("localisation", max_length=100)
    description = models.CharField("description", max_length=200)
    url = models.URLField("adresse")

    class Meta:
        verbose_name = "ENT"
        ordering = ["location", "description"]

    def __str__(self) -> str:
        return f"{self.location} {self.description} : {self.url}"


class School(models.Model):
    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="schools")
    uaj = models.CharField("UAJ", max_length=8, unique=True, validators=[uaj_validator])
    name = models.CharField("nom", max_length=150)
    address_line1 = models.CharField("adresse", max_length=150, blank=True)
    address_line2 = models.CharField("complément d'adresse", max_length=150, blank=True)
    postcode = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    fax = models.CharField("télécopie", max_length=30, blank=True)
    email1 = models.EmailField("courriel 1", blank=True)
    email2 = models.EmailField("courriel 2", blank=True)
    vie_scolaire_emails = models.JSONField("courriels de vie scolaire", default=list, blank=True)
    # Which SIECLE modules the school uses, and which services it experiments.
    uses_notes_module = models.BooleanField("utilise le module Notes", default=True)
    uses_absences_module = models.BooleanField("utilise le module Absences", default=True)
    uses_lpc_module = models.BooleanField("utilise le module LPC", default=True)
    b2i_experimenter = models.BooleanField("expérimentateur B2i", default=False)
    school_year_start = models.DateField("début de l'année scolaire", null=True, blank=True)
    school_year_end = models.DateField("fin de l'année scolaire", null=True, blank=True)

    class Meta:
        verbose_name = "établissement"
        ordering = ["uaj"]

    def __str__(self) -> str:
        return f"{self.uaj} {self.name}"

    @property
    def emails(self) -> list[str]:
        """Every address of the school, in the order the contact-link screen offers them."""
        found = [self.email1, self.email2, *(self.vie_scolaire_emails or [])]
        return list(dict.fromkeys(e for e in found if e))

    def school_year(self, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
        """Start and end of the current school year (1 September to 31 August by default)."""
        if self.school_year_start and self.school_year_end:
            return self.school_year_start, self.school_year_end
        today = today or timezone.localdate()
        start_year = today.year if today.month >= 9 else today.year - 1
        return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 8, 31)

    @property
    def school_year_label(self) -> str:
        start, end = self.school_year()
        return f"{start.year}-{end.year}"


class Mef(models.Model):
    """A study level/track (Module élémentaire de formation)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="mefs")
    code = models.CharField("code MEF", max_length=11)
    label = models.CharField("libellé", max_length=60)
    long_label = models.CharField("libellé long", max_length=200, blank=True)

    class Meta:
        verbose_name = "MEF"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="mef_unique_code_per_school")]

    def __str__(self) -> str:
        return self.label or self.code


class Division(models.Model):
    """A class (structure of type D in SIECLE)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="divisions")
    code = models.CharField("code", max_length=40)
    label = models.CharField("libellé", max_length=100, blank=True)

    class Meta:
        verbose_name = "division"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="division_unique_code_per_school")]

    def __str__(self) -> str:
        return self.code


class Sex(models.TextChoices):
    MALE = "M", "Masculin"
    FEMALE = "F", "Féminin"


class Student(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="students")
    siecle_id = models.CharField("identifiant SIECLE (ELEVE_ID)", max_length=20)
    elenoet = models.CharField("ELENOET", max_length=20, blank=True)
    ine = models.CharField("INE", max_length=11, blank=True)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    search_name = models.CharField(max_length=100, editable=False, db_index=False)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True)
    mef = models.ForeignKey(Mef, on_delete=models.SET_NULL, null=True, blank=True, related_name="students")
    division = models.ForeignKey(Division, on_delete=models.SET_NULL, null=True, blank=True, related_name="students")
    entry_date = models.DateField("date d'entrée", null=True, blank=True)
    leaving_date = models.DateField("date de sortie", null=True, blank=True)
    has_left = models.BooleanField("sorti de l'établissement", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "élève"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "siecle_id"], name="student_unique_siecle_id_per_school")
        ]
        indexes = [
            models.Index(
                fields=["school", "search_name"],
                name="student_school_name_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["school", "mef"], name="student_school_mef_idx"),
            models.Index(fields=["school", "division"], name="student_school_division_idx"),
            models.Index(fields=["ine"], name="student_ine_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}"

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.last_name)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


class Civility(models.TextChoices):
    MR = "M.", "Monsieur"
    MRS = "MME", "Madame"


class Guardian(models.Model):
    """A person responsible for one or more students of the school (SIECLE PERSONNE)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="guardians")
    siecle_id = models.CharField("identifiant SIECLE (PERSONNE_ID)", max_length=20)
    civility = models.CharField("civilité", max_length=5, choices=Civility.choices, blank=True)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    address_line1 = models.CharField("adresse ligne 1", max_length=150, blank=True)
    address_line2 = models.CharField("adresse ligne 2", max_length=150, blank=True)
    address_line3 = models.CharField("adresse ligne 3", max_length=150, blank=True)
    address_line4 = models.CharField("adresse ligne 4", max_length=150, blank=True)
    postcode = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    country = models.CharField("pays", max_length=100, blank=True)
    email = models.EmailField("courriel", blank=True)
    mobile_phone = models.CharField("téléphone portable", max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "responsable"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "siecle_id"], name="guardian_unique_siecle_id_per_school")
        ]
        indexes = [models.Index(Upper("last_name"), "school", name="guardian_school_name_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.civility, self.last_name, self.first_name) if p)

    @property
    def address_lines(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, self.address_line3, self.address_line4]
        town = " ".join(p for p in (self.postcode, self.city) if p)
        country = self.country if self.country and self.country.upper() != "FRANCE" else ""
        return [line for line in (*lines, town, country) if line]

    @property
    def has_postal_address(self) -> bool:
        """A letter can reach him: a street line and a town."""
        return bool((self.address_line1 or self.address_line2 or self.address_line3) and (self.city or self.postcode))

    @property
    def has_email(self) -> bool:
        return bool(self.email)


class LegalRank(models.IntegerChoices):
    OTHER = 0, "Autre contact"
    LEGAL_1 = 1, "Légal 1"
    LEGAL_2 = 2, "Légal 2"


# The ranks of a legal guardian: only they get a CAR (SPEC A1, C2) and count in the statistics.
LEGAL_RANKS = (LegalRank.LEGAL_1, LegalRank.LEGAL_2)


class GuardianLink(models.Model):
    """The student–guardian pair, with the guardian's legal rank for that student.

    Only legal 1 and legal 2 ever get an activation code (CAR); rank 0 is another contact.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="student_links")
    legal_rank = models.PositiveSmallIntegerField("rang", choices=LegalRank.choices, default=LegalRank.OTHER)
    relationship = models.CharField("lien de parenté", max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lien élève–responsable"
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="link_unique_pair"),
        ]
        indexes = [
            models.Index(fields=["guardian"], name="link_guardian_idx"),
            models.Index(fields=["student", "legal_rank"], name="link_student_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.get_legal_rank_display()})"

    @property
    def is_legal(self) -> bool:
        return self.legal_rank in LEGAL_RANKS
