"""The quarterly feedback letter, the quarter's list of every member, the lists of members who
have not reported or not served, and their Excel exports."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sixfold.core.models import AuditEvent
from sixfold.party.dualreport import actions, letters
from sixfold.party.dualreport.models import MemberRegistration

BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, dual, role="community_secretary"):
    client.force_login(dual.users[role], backend=BACKEND)
    return dual.users[role]


def serve(dual, day, hours="2", by=None, **data):
    return actions.log_service(
        dual.registration,
        {"served_on": day, "hours": hours, "description": "楼道劝导", "post": dual.post, **data},
        by=by or dual.users["community_worker"],
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def served(dual):
    serve(dual, dt.date(2026, 2, 3), "2.5")
    serve(dual, dt.date(2026, 3, 30), "1")
    serve(dual, dt.date(2026, 4, 2), "4")  # the next quarter
    pending = serve(dual, dt.date(2026, 3, 1), "3", by=dual.users["party_member"])
    withdrawn = serve(dual, dt.date(2026, 3, 2), "5")
    actions.withdraw_record(withdrawn, "重复登记", by=dual.users["community_worker"])
    actions.assess_quarter(dual.registration, 2026, 1, "excellent", "积极参加", by=None)
    return pending


def test_the_letter_counts_the_quarters_confirmed_hours(client, dual, served):
    login(client, dual)
    url = reverse("dualreport:letter", args=[dual.registration.pk]) + "?quarter=2026-Q1"
    response = client.get(url)
    assert response.status_code == 200
    page = text(response)
    assert "李秀英" in page and "莱钢党委" in page and "第1社区" in page
    assert re.search(r'id="letter-hours">3\.5<', response.content.decode())
    assert "楼道文明劝导" in page  # the post she holds
    assert "2026-02-03" in page and "2026-03-30" in page
    assert "2026-03-01" not in page  # awaiting confirmation
    assert "2026-03-02" not in page  # withdrawn
    assert "2026-04-02" not in page  # next quarter
    assert "积极参加" in page
    # print CSS and the print button, no inline script
    html = response.content.decode()
    assert "css/dualreport.css" in html and "data-print" in html
    assert "<script>" not in html and "onclick" not in html
    # the next quarter carries the year's running total and no assessment yet
    page = text(client.get(url.replace("Q1", "Q2")))
    assert "Not yet assessed" in page or "尚未" in page


def test_the_letter_data(dual, served):
    data = letters.letter(dual.registration, 2026, 1)
    assert data["hours"] == 3.5 and data["year_hours"] == 3.5
    assert len(data["records"]) == 2 and len(data["claims"]) == 1
    assert data["assessment"].grade == "excellent"
    data = letters.letter(dual.registration, 2026, 2)
    assert data["hours"] == 4 and data["year_hours"] == 7.5


def test_a_bad_quarter_is_not_found(client, dual):
    login(client, dual)
    for value in ("2026-Q5", "x", "2099-Q1", "2026-Q1' OR 1=1"):
        url = reverse("dualreport:letter_list") + f"?quarter={value}"
        assert client.get(url).status_code == 404, value


def test_the_quarter_list_and_its_export(client, dual, served):
    user = login(client, dual)
    neighbour = actions.register_member(
        dual.neighbour_member, {"registered_on": dt.date(2026, 1, 10)}, by=None
    )
    response = client.get(reverse("dualreport:letter_list") + "?quarter=2026-Q1")
    assert response.status_code == 200
    annotated = {
        r.pk: r
        for r in letters.with_quarter(
            MemberRegistration.objects.all().select_related("member"), 2026, 1
        )
    }
    mine = annotated[dual.registration.pk]
    assert (mine.quarter_hours, mine.quarter_records, mine.quarter_posts, mine.grade) == (
        3.5,
        2,
        1,
        "excellent",
    )
    assert annotated[neighbour.pk].quarter_hours == 0
    export = client.get(reverse("dualreport:letter_export") + "?quarter=2026-Q1")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    table = rows(export)
    assert table[0][0] in ("Name", "姓名")
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["李秀英"][6] == 3.5 and by_name["李秀英"][8] in ("Excellent", "优秀")
    assert by_name["王强"][6] == 0
    assert "赵敏" not in by_name  # community 2
    assert AuditEvent.objects.filter(verb="export", actor=user).exists()


def test_members_who_have_not_reported_or_served(client, dual, served):
    login(client, dual)
    # 王强 is in service and has not reported; 孙红 is not in service; 赵敏 is in community 2
    assert list(
        letters.unregistered(
            dual.member.__class__.objects.visible_to(dual.users["community_secretary"])
        )
    ) == [dual.neighbour_member]
    page = text(client.get(reverse("dualreport:unregistered_list")))
    assert "王强" in page and "孙红" not in page and "赵敏" not in page
    table = rows(client.get(reverse("dualreport:unregistered_export")))
    assert [row[0] for row in table[1:]] == ["王强"]
    # 李秀英 served in 2026-Q1; a newly reported 王强 did not
    actions.register_member(dual.neighbour_member, {"registered_on": dt.date(2026, 1, 10)}, by=None)
    page = text(client.get(reverse("dualreport:idle_list") + "?quarter=2026-Q1"))
    assert "王强" in page and "李秀英" not in page
    table = rows(client.get(reverse("dualreport:idle_export") + "?quarter=2026-Q1"))
    assert [row[0] for row in table[1:]] == ["王强"]
    # in Q3 nobody served
    idle = letters.idle(MemberRegistration.objects.all(), 2026, 3)
    assert idle.count() == 2


def test_the_registrations_export_masks_the_phone(client, dual):
    login(client, dual)
    actions.change_registration(dual.registration, {"phone": "13912345678"}, by=None)
    table = rows(client.get(reverse("dualreport:registration_export")))
    assert table[1][0] == "李秀英"
    assert table[1][5] == "139****5678"
    assert "13912345678" not in str(table)


def test_the_quarters_letters_print_in_one_go(client, dual, served, django_assert_max_num_queries):
    login(client, dual)
    neighbour = actions.register_member(
        dual.neighbour_member, {"registered_on": dt.date(2026, 1, 10)}, by=None
    )
    url = reverse("dualreport:letter_batch") + "?quarter=2026-Q1"
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="dualreport-letter dualreport-letter-batch"') == 2
    assert f'data-registration="{dual.registration.pk}"' in html
    assert f'data-registration="{neighbour.pk}"' in html
    page = text(response)
    assert "2026-02-03" in page and "2026-03-01" not in page and "积极参加" in page
    assert "第1社区党委" in page or "党委" in page  # signed by the community's organisation
    # the same letter content as the single page
    data = dict(letters.letters_for(MemberRegistration.objects.all(), 2026, 1))
    single = letters.letter(dual.registration, 2026, 1)
    batch = data[dual.registration]
    for key in ("hours", "year_hours", "points"):
        assert batch[key] == single[key], key
    assert batch["records"] == single["records"] and batch["claims"] == single["claims"]
    assert batch["assessment"] == single["assessment"]
    # a member or a resident cannot print the community's letters
    login(client, dual, "party_member")
    assert client.get(url).status_code == 403


def test_the_street_narrows_the_quarter_to_one_community(client, dual, served):
    actions.register_member(dual.other_member, {"registered_on": dt.date(2026, 1, 10)}, by=None)
    login(client, dual, "street_admin")
    url = reverse("dualreport:letter_list") + "?quarter=2026-Q1"
    page = text(client.get(url))
    assert "李秀英" in page and "赵敏" in page
    assert 'id="area-select"' in client.get(url).content.decode()
    narrowed = url + f"&region={dual.other_community.code}"
    page = text(client.get(narrowed))
    assert "赵敏" in page and "李秀英" not in page
    table = rows(client.get(reverse("dualreport:letter_export") + narrowed[narrowed.index("?") :]))
    assert [row[0] for row in table[1:]] == ["赵敏"]
    page = text(client.get(reverse("dualreport:idle_list") + narrowed[narrowed.index("?") :]))
    assert "赵敏" in page and "王强" not in page
    # a secretary sees one community: no choice to make, and another community's code
    # narrows her list to nothing rather than widening it
    login(client, dual)
    assert 'id="area-select"' not in client.get(url).content.decode()
    assert "赵敏" not in text(client.get(narrowed))
