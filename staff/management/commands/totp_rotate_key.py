import sys

from django.core.management.base import BaseCommand, CommandError

from staff.security.totp_keys import BATCH, SealError, totp_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-seal every staff TOTP secret (second factor) with the newest key of OTP_ENCRYPTION_KEYS (the first "
        "one), in batches of one transaction each; safe to stop and run again (it resumes). Prints the progress "
        "and, per key id, how many secrets it sealed before and after: once the old key seals none, remove it "
        "from OTP_ENCRYPTION_KEYS (docs/codes-at-rest.md). Nobody enrols again. Exit status 1 when a secret is "
        "sealed with a key that is no longer configured, 2 on bad arguments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help=f"devices per transaction (default {BATCH})")

    def run_from_argv(self, argv):
        """From the shell, a refusal is one French line on stderr and its exit status (no class name)."""
        try:
            super().run_from_argv([*argv[:2], "--traceback", *argv[2:]])
        except CommandError as exc:
            self.stderr.write(str(exc))
            sys.exit(exc.returncode)

    def handle(self, *args, batch: int, **options):
        if not 1 <= batch <= 50_000:
            raise CommandError("--batch doit être entre 1 et 50000.", returncode=2)
        try:
            report = totp_keys_rotate(size=batch, progress=self._progress)
        except SealError as exc:
            raise CommandError(
                f"Rotation arrêtée : {exc} Remettez l'ancienne clé dans OTP_ENCRYPTION_KEYS puis relancez.",
                returncode=1,
            ) from exc
        self.stdout.write(f"Clé courante : {report.current_key_id}")
        self.stdout.write(
            f"Secrets TOTP rechiffrés : {report.resealed} en {report.batches} lot(s), {report.seconds:.1f} s"
        )
        for label, counts in (("avant", report.before), ("après", report.after)):
            detail = ", ".join(f"{kid} : {n}" for kid, n in sorted(counts.items())) or "aucun secret"
            self.stdout.write(f"Secrets par clé {label} : {detail}")
        others = [kid for kid in report.after if kid != report.current_key_id]
        if others:
            raise CommandError(f"Des secrets restent chiffrés avec {', '.join(others)} : relancez.", returncode=1)
        self.stdout.write("Toutes les clés plus anciennes peuvent être retirées de OTP_ENCRYPTION_KEYS.")

    def _progress(self, done: int) -> None:
        self.stdout.write(f"… {done} secrets TOTP rechiffrés")
        self.stdout.flush()
