from staff.security.totp_keys import BATCH, totp_keys_rotate
from tsadmin.rotation import RotateKeyCommand


class Command(RotateKeyCommand):
    help = (
        "Re-seal every staff TOTP secret (second factor) with the newest key of OTP_ENCRYPTION_KEYS (the first "
        "one), in batches of one transaction each; safe to stop and run again (it resumes). Prints the progress "
        "and, per key id, how many secrets it sealed before and after: once the old key seals none, remove it "
        "from OTP_ENCRYPTION_KEYS (docs/codes-at-rest.md). Nobody enrols again. Exit status 1 when a secret is "
        "sealed with a key that is no longer configured, 2 on bad arguments."
    )
    setting = "OTP_ENCRYPTION_KEYS"
    rows, rows_lower, short, none = "Secrets TOTP", "secrets TOTP", "Secrets", "aucun secret"
    batch_default = BATCH
    rotation = staticmethod(totp_keys_rotate)
