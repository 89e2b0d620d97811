"""The Excel export of the desk's list (工单台账): exactly the filtered rows, phones masked, every
export in the audit log, one query for the rows however many there are."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from sixfold.core.models import AuditEvent
from tests.orders.test_web import login


def test_excel_export_of_the_filtered_list(client, ow):
    ow.submit(requester_phone="13912345678", by=ow.users["community_worker"], requester_name="周某")
    ow.accepted()
    login(client, ow, "community_worker")
    response = client.get(reverse("orders:export") + "?state=accepted")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the one accepted order
    everything = client.get(reverse("orders:export")).content
    book = load_workbook(io.BytesIO(everything)).active
    text = " ".join(str(c) for row in book.iter_rows(values_only=True) for c in row if c)
    assert "139****5678" in text and "13912345678" not in text


def test_each_export_is_logged_and_staff_only(client, ow):
    login(client, ow, "community_secretary")
    client.get(reverse("orders:export") + "?state=closed")
    event = AuditEvent.objects.filter(verb="export", object_type="orders.export").get()
    assert event.after == {"state": "closed"}
    login(client, ow, "resident")
    assert client.get(reverse("orders:export")).status_code == 403
    login(client, ow, "party_member")
    assert client.get(reverse("orders:export")).status_code == 403
