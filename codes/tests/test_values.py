import pytest

from codes import values


def test_a_code_is_13_base36_characters_starting_with_0_to_3():
    for _ in range(2000):
        value = values.generate()
        assert len(value) == 13
        assert set(value) <= set(values.ALPHABET)
        assert value[0] in "0123"
        assert int(value, 36) < 2**64


def test_encoding_pads_small_and_reaches_the_largest_64_bit_number():
    assert values.encode(0) == "0" * 13
    assert values.encode(35) == "000000000000Z"
    assert values.encode(2**64 - 1) == "3W5E11264SGSF"
    with pytest.raises(ValueError):
        values.encode(2**64)


def test_the_random_source_is_secrets_on_64_bits(monkeypatch):
    calls = []

    def fake_randbits(k):
        calls.append(k)
        return 36**4 - 1

    monkeypatch.setattr(values.secrets, "randbits", fake_randbits)
    assert values.generate() == "000000000ZZZZ"
    assert calls == [64]


def test_a_code_is_shown_in_groups_4_3_3_3():
    assert values.display("1W2JFML8EABKK") == "1W2J - FML - 8EA - BKK"


@pytest.mark.parametrize(
    "typed",
    ["1w2j-fml-8ea-bkk", " 1W2J - FML - 8EA - BKK ", "1w2j fml 8ea bkk", "1W2J–FML–8EA–BKK", "1w2jfml8eabkk"],
)
def test_typed_codes_ignore_case_spaces_and_dashes(typed):
    assert values.normalize(typed) == "1W2JFML8EABKK"
    assert values.is_well_formed(typed)


@pytest.mark.parametrize("typed", ["", "1W2J", "1W2JFML8EABKK1", "ZW2JFML8EABKK", "1W2J*ML8EABKK"])
def test_malformed_typed_codes_are_recognised(typed):
    assert not values.is_well_formed(typed)


def test_many_values_are_distinct():
    assert len(set(values.generate_many(5000))) == 5000
