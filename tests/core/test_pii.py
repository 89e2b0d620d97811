"""Personal data at rest: ciphertext, keyed look-up hash and masks; never plaintext in the database."""

import datetime as dt
import json
import tempfile
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from django.test import override_settings

from sixfold.core import actions, pii
from sixfold.core.models import AuditEvent, Resident
from tests import factories

ID_NUMBER = "37011619800517123X"  # hypothetical; only its shape matters to the masks
PHONE = "13812345678"


# --- encryption -----------------------------------------------------------------------------------
def test_encrypt_then_decrypt_gives_the_plaintext_back():
    for plaintext in (ID_NUMBER, PHONE, "0531-12345678", "张三丰"):
        token = pii.encrypt(plaintext)
        assert token.startswith(f"{pii.VERSION}:")
        assert plaintext not in token
        assert pii.decrypt(token) == plaintext


def test_each_encryption_uses_a_fresh_nonce():
    tokens = {pii.encrypt(PHONE) for _ in range(20)}
    assert len(tokens) == 20
    assert {pii.decrypt(t) for t in tokens} == {PHONE}


def test_empty_values_stay_empty():
    assert pii.encrypt("") == ""
    assert pii.decrypt("") == ""
    assert pii.lookup_hash("") == ""


def test_ciphertext_is_bound_to_the_key():
    token = pii.encrypt(PHONE)
    with override_settings(SIXFOLD_PII_KEY="another key entirely"), pytest.raises(InvalidTag):
        pii.decrypt(token)
    assert pii.decrypt(token) == PHONE


def test_tampered_ciphertext_is_rejected():
    version, payload = pii.encrypt(PHONE).split(":", 1)
    tampered = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises((InvalidTag, ValueError)):
        pii.decrypt(f"{version}:{tampered}")


# --- look-up hash ---------------------------------------------------------------------------------
def test_lookup_hash_is_stable_and_distinguishes_values():
    assert pii.lookup_hash(PHONE) == pii.lookup_hash(PHONE)
    assert pii.lookup_hash(PHONE) != pii.lookup_hash("13812345679")
    assert len(pii.lookup_hash(PHONE)) == 64
    assert PHONE not in pii.lookup_hash(PHONE)


def test_lookup_hash_depends_on_the_key():
    # Given the hash under the configured key
    original = pii.lookup_hash(ID_NUMBER)
    # When the key changes (the derived keys are cached per secret, so the cache must follow)
    with override_settings(SIXFOLD_PII_KEY="first other key"):
        first = pii.lookup_hash(ID_NUMBER)
    with override_settings(SIXFOLD_PII_KEY="second other key"):
        second = pii.lookup_hash(ID_NUMBER)
    with override_settings(SIXFOLD_PII_KEY="first other key"):
        first_again = pii.lookup_hash(ID_NUMBER)
    # Then each key gives its own hash, the same one every time, and the original comes back
    assert len({original, first, second}) == 3
    assert first_again == first
    assert pii.lookup_hash(ID_NUMBER) == original


def test_derived_keys_follow_the_secret_passed_not_a_cached_setting():
    pii._keys.cache_clear()
    under_a = pii._keys("secret a")[1]
    under_b = pii._keys("secret b")[1]
    assert under_a != under_b


# --- masks ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("number", "masked"),
    [
        (ID_NUMBER, "370116********123X"),
        ("440524188001010014", "440524********0014"),
        ("370116800517001", "370116*****7001"),  # the retired 15-digit form
        ("", ""),
        ("12345", "*****"),
        ("1234567890", "**********"),  # too short to show 10 characters and hide any
        ("1234567890123", "*************"),
    ],
)
def test_mask_id_number(number, masked):
    assert pii.mask_id_number(number) == masked
    assert len(pii.mask_id_number(number)) == len(number)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        (PHONE, "138****5678"),
        ("0531-12345678", "053******5678"),
        ("053112345678", "053*****5678"),
        ("", ""),
        ("110", "***"),
        ("1234567", "*******"),  # would otherwise be shown whole
        ("12345678", "********"),
        ("1234567890", "**********"),
    ],
)
def test_mask_phone(phone, masked):
    assert pii.mask_phone(phone) == masked


def test_masks_always_hide_at_least_four_characters():
    for length in range(1, 25):
        value = "1" + "2" * (length - 1)
        for mask in (pii.mask_id_number(value), pii.mask_phone(value)):
            assert len(mask) == length
            assert mask.count("*") >= min(length, 4)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("李秀英", "李**"), ("王强", "王*"), ("欧阳娜娜", "欧***"), ("", "")],
)
def test_mask_name(name, masked):
    assert pii.mask_name(name) == masked


# --- nothing in plaintext in the database --------------------------------------------------------
def _register_residents():
    """Create, change and reveal residents through the actions, as the pages and API do."""
    household = factories.household(grid=factories.grid())
    admin = factories.UserFactory(is_superuser=True)
    born = dt.date(1980, 5, 17)
    people = [
        (factories.valid_id_number(born, "M"), "13812345678", "M"),
        (factories.valid_id_number(born, "F"), "15987654321", "F"),
        (factories.valid_id_number(born, "M"), "0531-87654321", "M"),
    ]
    created = []
    for number, phone, gender in people:
        resident = actions.create_resident(
            household,
            {
                "name": "张三丰",
                "gender": gender,
                "birth_date": born,
                "id_number": number,
                "phone": phone,
                "relation": "self",
            },
            by=admin,
        )
        created.append(resident)
    # a changed phone and a reveal leave no plaintext either (old or new)
    new_phone = "17700001111"
    actions.change_resident(created[0], {"phone": new_phone}, by=admin)
    revealed = actions.reveal_resident(created[1], "入户走访核对身份", by=admin)
    assert revealed["phone"] == people[1][1]
    secrets = [number for number, _, _ in people] + [p for _, p, _ in people] + [new_phone]
    masks = [Resident.objects.get(pk=r.pk).id_number_masked for r in created]
    return secrets, masks


def _encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def _sqlite_file_bytes() -> bytes:
    """The bytes of the database file as it would lie on disk, WAL included."""
    if connection.is_in_memory_db():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "copy.sqlite3"
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(path)])
            return path.read_bytes()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(connection.settings_dict["NAME"])
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _postgresql_text() -> str:
    """Every row of every table in the schema, as text."""
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        tables = [name for (name,) in cursor.fetchall()]
        assert "core_resident" in tables
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {table} AS t")  # noqa: S608 — names from the catalogue
            rows.extend(text for (text,) in cursor.fetchall())
    return "\n".join(rows)


@pytest.mark.django_db(transaction=True)
def test_plaintext_never_reaches_the_database():
    # Given residents created, changed and revealed through the actions
    secrets, masks = _register_residents()
    # When the whole database is read back as stored
    if connection.vendor == "sqlite":
        blob = _sqlite_file_bytes()
        # Then no ID number or phone appears in any encoding, while the masks do
        for secret in secrets:
            for encoded in _encodings(secret):
                assert encoded not in blob, secret
            digits = secret.replace("-", "")
            assert digits.encode() not in blob, secret
        for mask in masks:
            assert mask.encode() in blob
    else:
        text = _postgresql_text()
        for secret in secrets:
            assert secret not in text, secret
            assert secret.replace("-", "") not in text, secret
        for mask in masks:
            assert mask in text


@pytest.mark.django_db
def test_audit_events_carry_masks_only():
    # Given residents created, changed and revealed through the actions
    secrets, masks = _register_residents()
    events = list(AuditEvent.objects.filter(object_type="core.resident"))
    assert {e.verb for e in events} == {"create", "change", "reveal"}
    # Then no event holds a plaintext in any of its fields or its JSON
    for event in events:
        dumped = json.dumps(
            [event.before, event.after, event.purpose, event.object_repr], ensure_ascii=False
        )
        for secret in secrets:
            assert secret not in dumped
            assert secret.replace("-", "") not in dumped
        for payload in (event.before or {}, event.after or {}):
            assert not any(key.endswith(("_enc", "_hash")) for key in payload)
    created = [e for e in events if e.verb == "create"]
    assert sorted(e.after["id_number_masked"] for e in created) == sorted(masks)
    change = next(e for e in events if e.verb == "change")
    assert change.before["phone_masked"] == "138****5678"
    assert change.after["phone_masked"] == "177****1111"
