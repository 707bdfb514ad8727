from siecle.uaj import uaj_with_key


def test_uaj_check_letter_is_the_siecle_one():
    # the real UAJ of lycée Arago, from the nomenclature sample: 750680 mod 23 = 6 -> "G"
    assert uaj_with_key(750680) == "0750680G"
