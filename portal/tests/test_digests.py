"""The portal hashes what a parent types exactly as the SIECLE side normalises a code."""

import pytest
from django.test import override_settings

from codes import values
from portal.digests import code_digest, code_normalize


@pytest.mark.parametrize("typed", ["1w2j - fml - 8ea - bkk", " 1W2J‑FML‑8EA‑BKK ", "1w2j.fml_8ea—bkk", "abc\tdef"])
def test_normalisation_is_the_siecle_sides(typed):
    assert code_normalize(typed) == values.normalize(typed)


def test_digest_does_not_depend_on_how_the_code_was_typed_but_on_the_key():
    with override_settings(TELESERVICES_CODE_KEY="k" * 60):
        a = code_digest("1W2J-FML-8EA-BKK")
        assert code_digest("1w2j fml 8ea bkk") == a
        assert len(a) == 64 and "1W2J" not in a.upper()
    with override_settings(TELESERVICES_CODE_KEY="z" * 60):
        assert code_digest("1W2J-FML-8EA-BKK") != a
