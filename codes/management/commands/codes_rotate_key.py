from codes.rotation import BATCH, codes_rotate_key
from tsadmin.rotation import RotateKeyCommand


class Command(RotateKeyCommand):
    help = (
        "Re-seal every activation code with the newest key of CODES_ENCRYPTION_KEYS (the first one), in "
        "batches of one transaction each; safe to stop and run again (it resumes). Prints the progress and, "
        "per key id, how many codes it sealed before and after: once the old key seals none, remove it from "
        "CODES_ENCRYPTION_KEYS (docs/codes-at-rest.md). Exit status 1 when a code is sealed with a key that is "
        "no longer configured, 2 on bad arguments."
    )
    setting = "CODES_ENCRYPTION_KEYS"
    rows, rows_lower, short, none = "Codes", "codes", "Codes", "aucun code"
    batch_default = BATCH
    rotation = staticmethod(codes_rotate_key)
