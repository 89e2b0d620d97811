"""Check-up pages: the permission matrix across roles, scoping (out of scope is the same 404 as
missing), the resident minimum per branch, query counts on lists, bad input, the Excel export."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sixfold.party.checkup import actions
from sixfold.party.checkup.models import Assessment, CheckupCycle, CheckupResult, Grade, Party
from tests import factories
from tests.party.conftest import member

BACKEND = "django.contrib.auth.backends.ModelBackend"
STAFF = ["street_admin", "community_secretary", "community_worker", "grid_worker"]
ALL = [*STAFF, "branch_secretary", "party_member", "resident", "peer"]


def login(client, cw, role):
    client.force_login(cw.users[role], backend=BACKEND)
    return client


def status(client, url, method="get", data=None):
    return getattr(client, method)(url, data or {}).status_code


@pytest.mark.parametrize("role", ALL)
def test_staff_pages_by_role(client, cw, role):
    login(client, cw, role)
    cycle = cw.open()
    viewer = role in (*STAFF, "branch_secretary")
    pages = [
        reverse("checkup:cycle_detail", args=[cycle.pk]),
        reverse("checkup:progress", args=[cycle.pk]),
        reverse("checkup:sheet_list", args=[cycle.pk]),
        reverse("checkup:summary", args=[cycle.pk]),
        reverse("checkup:sheet", args=[cycle.pk, cw.member.pk]),
    ]
    for url in pages:
        # a member or a resident does not even learn that the cycle exists
        assert status(client, url) == (200 if viewer else 404), url
    listing = status(client, reverse("checkup:cycle_list"))
    assert listing == (200 if viewer else 302)  # members and residents go to their own page
    manager = role in ("street_admin", "community_secretary")
    edit = status(client, reverse("checkup:cycle_edit", args=[cycle.pk]))
    assert edit == (200 if manager else 403 if viewer else 404)
    close = status(client, reverse("checkup:cycle_close", args=[cycle.pk]), "post")
    assert close == (302 if manager else 403 if viewer else 404)
    cycle.refresh_from_db()
    assert cycle.is_closed is manager


@pytest.mark.parametrize(
    "role,party,expected",
    [
        ("party_member", "self", 200),
        ("peer", "self", 404),
        ("peer", "peer", 200),
        ("party_member", "peer", 404),
        ("resident", "resident", 200),
        ("grid_worker", "resident", 404),
        ("community_worker", "organization", 404),
        ("branch_secretary", "organization", 200),
        ("community_secretary", "organization", 200),
        ("street_admin", "bogus", 404),
    ],
)
def test_assessment_form_only_for_those_who_may_give_it(client, cw, role, party, expected):
    cycle = cw.open()
    login(client, cw, role)
    url = reverse("checkup:assess", args=[cycle.pk, cw.member.pk, party])
    assert status(client, url) == expected


def test_member_assesses_herself_from_her_page(client, cw):
    cycle = cw.open()
    login(client, cw, "party_member")
    page = client.get(reverse("checkup:me"))
    assert page.status_code == 200 and "周敏" in page.text  # her peer to assess
    url = reverse("checkup:assess", args=[cycle.pk, cw.member.pk, "self"])
    bad = client.post(url, {f"score_{cw.a.pk}": "99", f"score_{cw.b.pk}": "x"})
    assert bad.status_code == 200 and "form-errors" in bad.text
    assert not Assessment.objects.exists()
    done = client.post(url, {f"score_{cw.a.pk}": "10", f"score_{cw.b.pk}": "5"})
    assert done.status_code == 302 and done.url == reverse("checkup:me")
    assert Assessment.objects.get().party == Party.SELF


def test_resident_rates_her_community_with_full_names(client, cw):
    cycle = cw.open()
    login(client, cw, "resident")
    page = client.get(reverse("checkup:rate"))
    assert page.status_code == 200
    assert "李秀英" in page.text and "王强" in page.text and "赵敏" not in page.text
    url = reverse("checkup:assess", args=[cycle.pk, cw.other_member.pk, "resident"])
    assert client.get(url).status_code == 404  # community 2's member
    url = reverse("checkup:assess", args=[cycle.pk, cw.member.pk, "resident"])
    assert client.post(url, {f"score_{cw.a.pk}": "9", f"score_{cw.b.pk}": "4"}).status_code == 302


def test_out_of_scope_is_the_same_404_as_missing(client, cw):
    other = actions.create_cycle(cw.other_community, {"year": 2026}, by=None)
    login(client, cw, "community_secretary")
    for url in (
        reverse("checkup:cycle_detail", args=[other.pk]),
        reverse("checkup:cycle_detail", args=[999999]),
        reverse("checkup:sheet", args=[cw.cycle.pk, cw.other_member.pk]),
        reverse("checkup:cycle_open", args=[other.pk]),
    ):
        assert client.get(url).status_code == 404, url
    # the grid worker sees her grid's members only
    login(client, cw, "grid_worker")
    url = reverse("checkup:sheet", args=[cw.cycle.pk, cw.neighbour_member.pk])
    assert client.get(url).status_code == 404
    # a street cycle is visible from a community
    street = actions.create_cycle(cw.street, {"year": 2025}, by=None)
    login(client, cw, "community_secretary")
    assert client.get(reverse("checkup:cycle_detail", args=[street.pk])).status_code == 200
    assert client.get(reverse("checkup:cycle_edit", args=[street.pk])).status_code == 403


def test_progress_reports_branches_below_the_resident_minimum(client, cw):
    cycle = cw.open()
    actions.change_cycle(cycle, {"min_residents": 1}, by=None)
    login(client, cw, "community_secretary")
    page = client.get(reverse("checkup:progress", args=[cycle.pk]))
    assert 'id="below-minimum"' in page.text
    assert page.context["below"] == 2  # the branch and the committee have heard nobody
    actions.submit_assessment(
        cycle, cw.member, Party.RESIDENT, cw.full_marks(), by=cw.users["resident"]
    )
    page = client.get(reverse("checkup:progress", args=[cycle.pk]))
    rows = {row.org.pk: row for row in page.context["rows"]}
    assert rows[cw.branch.pk].residents == 1 and not rows[cw.branch.pk].short
    assert rows[cw.committee.pk].short
    assert page.context["below"] == 1


def test_cycle_setup_with_confirmation_and_bad_input(client, cw):
    login(client, cw, "community_secretary")
    url = reverse("checkup:cycle_create")
    bad = client.post(
        url,
        {
            "region": cw.community.pk,
            "year": "2027",
            "weight_self": "50",
            "weight_peer": "30",
            "weight_resident": "30",
            "weight_organization": "30",
            "healthy_from": "85",
            "subhealthy_from": "70",
            "min_residents": "5",
        },
    )
    assert bad.status_code == 200 and "100" in str(bad.context["form"].errors)
    good = client.post(
        url,
        {
            "region": cw.community.pk,
            "year": "2027",
            "weight_self": "10",
            "weight_peer": "30",
            "weight_resident": "30",
            "weight_organization": "30",
            "healthy_from": "85",
            "subhealthy_from": "70",
            "min_residents": "3",
        },
    )
    assert good.status_code == 302
    cycle = CheckupCycle.objects.get(year=2027)
    assert cycle.indicators.count() == len(actions.DEFAULT_INDICATORS)
    indicator = cycle.indicators.first()
    remove = reverse("checkup:indicator_delete", args=[indicator.pk])
    assert "confirm-button" in client.get(remove).text  # asks first
    assert client.post(remove).status_code == 302
    assert not cycle.indicators.filter(pk=indicator.pk).exists()
    opening = reverse("checkup:cycle_open", args=[cycle.pk])
    assert client.get(opening).status_code == 200
    client.post(opening)
    cycle.refresh_from_db()
    assert cycle.status == CheckupCycle.Status.OPEN
    # an open cycle's indicators no longer change
    edit = reverse("checkup:indicator_edit", args=[cycle.indicators.first().pk])
    assert client.get(edit).status_code == 403


def test_lists_stay_within_their_query_budget(client, cw, django_assert_max_num_queries):
    cycle = cw.open()
    for index in range(12):
        household = factories.household(grid=cw.grid)
        m = member(cw.branch, factories.resident(household, name=f"党员{index}"))
        actions.submit_assessment(
            cycle, m, Party.ORGANIZATION, cw.full_marks(), by=cw.users["street_admin"]
        )
    login(client, cw, "community_secretary")
    for name in ("cycle_list", "rectification_list"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(f"checkup:{name}")).status_code == 200
    for name in ("sheet_list", "progress", "summary"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(f"checkup:{name}", args=[cycle.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        url = reverse("checkup:sheet", args=[cycle.pk, cw.member.pk])
        assert client.get(url).status_code == 200
    for role, name in (("party_member", "me"), ("resident", "rate")):
        login(client, cw, role)
        with django_assert_max_num_queries(14):
            page = client.get(reverse(f"checkup:{name}"))
        assert page.status_code == 200 and "党员11" in page.text


def closed_with_items(cw):
    cycle = cw.open()
    actions.submit_assessment(
        cycle, cw.member, Party.ORGANIZATION, {cw.a.pk: 5, cw.b.pk: 0}, by=cw.users["street_admin"]
    )
    actions.close_cycle(cycle, by=None)
    result = CheckupResult.objects.get(cycle=cycle, member=cw.member)
    for index in range(3):
        actions.add_rectification(
            result,
            {"problem": f"问题{index}", "due_on": dt.date(2026, 1, 1) + dt.timedelta(days=index)},
            by=None,
        )
    return result


def test_rectification_list_filters_and_exports(client, cw):
    result = closed_with_items(cw)
    login(client, cw, "community_secretary")
    page = client.get(reverse("checkup:rectification_list"), {"overdue": "yes"})
    assert page.status_code == 200 and page.context["page"].paginator.count == 3
    page = client.get(reverse("checkup:rectification_list"), {"search": "问题1"})
    assert page.context["page"].paginator.count == 1
    bad = client.get(reverse("checkup:rectification_list"), {"cycle": "9" * 30, "status": "x"})
    assert bad.status_code == 200
    response = client.get(reverse("checkup:rectification_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and rows[1][1] == "李秀英"
    assert rows[1][3] == str(Grade.UNHEALTHY.label)
    # out of scope: community 2's secretary sees none
    login(client, cw, "grid_worker")
    assert client.get(reverse("checkup:rectification_list")).context["page"].paginator.count == 3
    sheet_url = reverse("checkup:sheet", args=[result.cycle_id, cw.member.pk])
    login(client, cw, "community_secretary")
    page = client.get(sheet_url)
    assert "add-recheck" in page.text and "问题0" in page.text
    recheck = client.post(
        reverse("checkup:recheck", args=[result.pk]), {"grade": "healthy", "note": "好转"}
    )
    assert recheck.status_code == 302
    result.refresh_from_db()
    assert result.grade == Grade.HEALTHY and result.initial_grade == Grade.UNHEALTHY
    login(client, cw, "party_member")
    mine = client.get(reverse("checkup:me"))
    assert "问题2" in mine.text and 'data-year="2026"' in mine.text


def test_sheets_list_who_is_still_missing_and_export(client, cw):
    cycle = cw.open()
    actions.submit_assessment(
        cycle, cw.member, Party.ORGANIZATION, cw.full_marks(), by=cw.users["street_admin"]
    )
    login(client, cw, "community_secretary")
    url = reverse("checkup:sheet_list", args=[cycle.pk])
    names = [
        m.display_name for m, _, _ in client.get(url, {"missing": "organization"}).context["rows"]
    ]
    assert "李秀英" not in names and "周敏" in names
    assert len(client.get(url, {"missing": "self"}).context["rows"]) == 5
    response = client.get(reverse("checkup:sheet_export", args=[cycle.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 6
    mine = next(row for row in rows if row[0] == "李秀英")
    assert mine[5] == 100 and mine[6] == 100 and mine[7] == str(Grade.HEALTHY.label)
    actions.close_cycle(cycle, by=None)
    response = client.get(reverse("checkup:sheet_export", args=[cycle.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert next(row for row in rows if row[0] == "李秀英")[6] == 100
