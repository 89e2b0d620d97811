"""Exporting registers: each list exactly as filtered, masked by default, plaintext only for
whoever may reveal every row and with a logged purpose; exports re-import as the importer says."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sixfold.accounts.actions import grant_role
from sixfold.core.models import AuditEvent, Resident
from tests import factories
from tests.core.excel_helpers import messages, run

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, world, role):
    client.force_login(world.users[role], backend=BACKEND)
    return world.users[role]


def sheet_rows(response, name="居民"):
    content = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book[name].iter_rows(values_only=True))
    header = [str(h).rstrip("*") for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:]], content


def test_the_export_page_counts_the_filtered_rows(client, world):
    login(client, world, "street_admin")
    response = client.get(reverse("core:resident_export") + "?search=李秀英")
    assert response.status_code == 200
    assert "共1行" in response.content.decode()


def test_a_resident_export_holds_exactly_the_filtered_rows_masked(client, world, tmp_path):
    login(client, world, "street_admin")
    url = reverse("core:resident_export") + f"?region={world.community.code}&gender=F"
    response = client.post(url, {"mode": "masked"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows, content = sheet_rows(response)
    assert [r["姓名"] for r in rows] == ["李秀英"]  # 赵敏 is in the other community, 王强 a man
    assert rows[0]["身份证号"] == world.resident.id_number_masked
    assert world.resident.plaintext_id_number().encode() not in content
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORT)
    assert event.after["unmasked"] is False
    assert event.after["sheets"] == {"residents": 1}
    assert event.after["filters"] == {"region": world.community.code, "gender": "F"}
    assert event.scope_code == world.community.code

    path = tmp_path / "masked.xlsx"
    path.write_bytes(content)
    assert messages(run(path, by=world.users["street_admin"])) == [
        "脱敏导出的文件不能导入，请使用明文导出。"
    ]


def test_an_id_number_searched_for_is_logged_masked(client, world):
    login(client, world, "street_admin")
    number = world.resident.plaintext_id_number()
    client.post(reverse("core:resident_export") + f"?search={number}", {"mode": "masked"})
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORT)
    assert event.after["filters"]["search"] == world.resident.id_number_masked
    assert number not in str(event.after)


def test_a_plaintext_export_needs_a_purpose_and_is_logged_with_it(client, world, tmp_path):
    login(client, world, "community_worker")
    url = reverse("core:resident_export")
    refused = client.post(url, {"mode": "plaintext", "purpose": ""})
    assert refused.status_code == 400
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT).exists()

    response = client.post(url, {"mode": "plaintext", "purpose": "核对低保名单"})
    rows, content = sheet_rows(response)
    assert {r["身份证号"] for r in rows} == {
        world.resident.plaintext_id_number(),
        world.neighbour.plaintext_id_number(),
    }
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORT)
    assert (event.purpose, event.after["unmasked"], event.actor_name) == (
        "核对低保名单",
        True,
        "t_worker",
    )

    # ... and imports back with no change at all.
    path = tmp_path / "plain.xlsx"
    path.write_bytes(content)
    result = run(path, by=world.users["community_worker"])
    assert result.ok, messages(result)
    assert result.summary_dict()["residents"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert not AuditEvent.objects.filter(verb__in=["create", "change"]).exists()


def test_plaintext_is_not_offered_to_a_role_that_may_not_reveal(client, world):
    login(client, world, "resident")
    page = client.get(reverse("core:resident_export"))
    assert page.status_code == 200
    assert 'value="plaintext"' not in page.content.decode()
    response = client.post(
        reverse("core:resident_export"), {"mode": "plaintext", "purpose": "看看"}
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT).exists()


def test_plaintext_needs_reveal_over_every_exported_row(client, world):
    # A grid worker who is also a resident elsewhere sees that household but may not reveal it.
    user = world.users["grid_worker"]
    grant_role(user, "resident", world.other_household.region)
    client.force_login(user, backend=BACKEND)
    url = reverse("core:resident_export")
    assert 'value="plaintext"' not in client.get(url).content.decode()
    narrowed = url + f"?region={world.grid.code}"
    assert 'value="plaintext"' in client.get(narrowed).content.decode()
    response = client.post(narrowed, {"mode": "plaintext", "purpose": "入户走访"})
    rows, _content = sheet_rows(response)
    assert [r["身份证号"] for r in rows] == [world.resident.plaintext_id_number()]


@pytest.mark.parametrize(
    "name,sheet", [("building", "楼栋"), ("unit", "单元"), ("household", "住户")]
)
def test_every_list_exports_its_own_sheet(client, world, name, sheet):
    login(client, world, "grid_worker")
    response = client.post(reverse(f"core:{name}_export"), {"mode": "masked"})
    rows, _content = sheet_rows(response, sheet)
    assert len(rows) == 1
    assert rows[0]["网格编码"] == world.grid.code


def test_each_list_page_links_to_its_export_with_the_query_string(client, world):
    login(client, world, "community_worker")
    page = client.get(reverse("core:resident_list") + "?gender=F").content.decode()
    assert 'href="/residents/export/?gender=F"' in page
    assert reverse("core:import_upload") in page


def test_the_export_costs_the_same_queries_for_many_rows(client, world):
    login(client, world, "street_admin")
    url = reverse("core:resident_export")
    client.post(url, {"mode": "masked"})  # warm-up

    def cost():
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"mode": "masked"})
            b"".join(response.streaming_content)
        return len(queries)

    few = cost()
    for index in range(30):
        factories.resident(world.household, name=f"新住户{index}", relation="child")
    assert cost() == few
    assert few <= 12


# --- the command ---------------------------------------------------------------------------------
def test_export_registry_writes_the_subtree_and_logs_it(world, tmp_path, capsys):
    path = tmp_path / "c1.xlsx"
    call_command("export_registry", region=world.community.code, output=str(path))
    book = openpyxl.load_workbook(path)
    assert book["居民"].max_row == 3  # header + the two residents of community 1
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORT)
    assert event.scope_code == world.community.code and event.after["unmasked"] is False


def test_export_registry_unmasked_needs_a_purpose_and_the_users_reveal(world, tmp_path):
    path = str(tmp_path / "x.xlsx")
    with pytest.raises(CommandError):
        call_command("export_registry", region=world.street.code, output=path, unmasked=True)
    with pytest.raises(CommandError):
        call_command(
            "export_registry",
            region=world.street.code,
            output=path,
            unmasked=True,
            purpose="年度核对",
            username="t_worker",  # sees community 1 only: the street is no region of theirs
        )
    call_command(
        "export_registry",
        region=world.community.code,
        output=path,
        unmasked=True,
        purpose="年度核对",
        username="t_worker",
        sheets="residents",
    )
    assert world.resident.plaintext_id_number() in {
        row[7] for row in openpyxl.load_workbook(path)["居民"].iter_rows(values_only=True)
    }
    assert AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORT).purpose == "年度核对"
    assert Resident.objects.count() == 3
