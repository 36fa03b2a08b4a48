import datetime as dt

import pytest

from forms.validators import FieldInvalid, id_number, mobile, name_text, no_spaces, region_code, uscc_code
from tests.factories import make_id_number, make_uscc


@pytest.mark.parametrize("seed", range(20))
def test_generated_uscc_is_accepted(seed):
    code = make_uscc(seed)
    assert uscc_code(code) == code


def test_uscc_lower_case_is_normalised():
    code = make_uscc(1)
    assert uscc_code(code.lower()) == code


def test_uscc_wrong_check_digit_names_position_18():
    code = make_uscc(2)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(FieldInvalid, match="第18位"):
        uscc_code(wrong)


def test_uscc_wrong_organisation_code_check_names_position_17():
    code = make_uscc(3)
    wrong = code[:16] + ("0" if code[16] != "0" else "1") + code[17]
    with pytest.raises(FieldInvalid, match="第17位"):
        uscc_code(wrong)


@pytest.mark.parametrize(("position", "char"), [(1, "A"), (10, "I"), (12, "O"), (15, "Z")])
def test_uscc_invalid_character_names_its_position(position, char):
    code = list(make_uscc(4))
    code[position - 1] = char
    with pytest.raises(FieldInvalid, match=f"第{position}位字符“{char}”"):
        uscc_code("".join(code))


@pytest.mark.parametrize("value", ["91650104MA78PH94XX", "916501005725367591"])
def test_manual_samples_fail(value):
    with pytest.raises(FieldInvalid):
        uscc_code(value)


@pytest.mark.parametrize("value", ["9165010", "9" * 19])
def test_uscc_length(value):
    with pytest.raises(FieldInvalid, match="18位"):
        uscc_code(value)


@pytest.mark.parametrize("value", [" X", "X ", "91 6501", "9165\t01"])
def test_uscc_spaces_rejected(value):
    with pytest.raises(FieldInvalid, match="空格"):
        uscc_code(make_uscc(5)[:8] + value)


def test_id_number_valid_and_lower_x():
    number = make_id_number()
    assert id_number(number) == number
    for seq in range(200):
        candidate = make_id_number(seq=seq)
        if candidate.endswith("X"):
            assert id_number(candidate.lower()) == candidate
            break
    else:
        pytest.fail("no X check digit generated")


def test_id_number_manual_sample_fails():
    with pytest.raises(FieldInvalid, match="第18位"):
        id_number("652301196309121010")


def test_id_number_bad_date_and_province():
    with pytest.raises(FieldInvalid, match="出生日期"):
        id_number("650102" + "19851340" + "0011")
    with pytest.raises(FieldInvalid, match="省级"):
        id_number(make_id_number(county="990102"))
    with pytest.raises(FieldInvalid, match="出生日期"):
        id_number(make_id_number(born=dt.date.today() + dt.timedelta(days=400)))


def test_id_number_county_newer_than_birth_is_accepted():
    # 昌吉市 652301 dates from 1983; people born before keep the code on re-issued cards.
    number = make_id_number(born=dt.date(1963, 9, 12), county="652301")
    assert id_number(number) == number


@pytest.mark.parametrize(("raw", "clean"), [("13912345678", "13912345678"), ("139 1234 5678", "13912345678"),
                                            ("+8613912345678", "13912345678"), ("0086-139-1234-5678", "13912345678")])
def test_mobile_accepted(raw, clean):
    assert mobile(raw) == clean


@pytest.mark.parametrize("raw", ["12912345678", "1391234567", "0991-1234567", "abc"])
def test_mobile_rejected(raw):
    with pytest.raises(FieldInvalid, match="手机号"):
        mobile(raw)


def test_names_trimmed_but_inner_space_rejected():
    assert name_text("  新疆建工  ") == "新疆建工"
    with pytest.raises(FieldInvalid, match="空格"):
        name_text("新疆 建工")
    with pytest.raises(FieldInvalid):
        no_spaces("AB C")


def test_region_code():
    assert region_code("652300") == "652300"
    with pytest.raises(FieldInvalid):
        region_code("110000")
