"""Points and star-rating pages (S6): every page renders with real content, the permission
matrix across roles, adjustments and reversals through the pages, query budgets on lists, and
the Excel export."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sixfold.points import actions as point_actions
from sixfold.points import ledger
from sixfold.points.models import LedgerEntry, RatingPeriod, RatingResult
from tests.points.star_items import default_star_items  # noqa: F401  (autouse fixture)

PM = "party.partymember"
Q3_DAY = dt.date(2026, 8, 15)
BACKEND = "django.contrib.auth.backends.ModelBackend"
ROLES = [
    "street_admin",
    "community_secretary",
    "community_worker",
    "grid_worker",
    "branch_secretary",
    "party_member",
    "resident",
]


@pytest.fixture
def rated(party):
    """Entries for three members in 2026Q3, a computed (not published) period."""
    party.entry = ledger.credit(
        party.member, points=5, source="activity", kind="activity.study", on=Q3_DAY, reason="党课"
    )
    ledger.credit(
        party.member, points=3, source="activity", kind="activity.patrol", on=Q3_DAY, reason="巡逻"
    )
    ledger.credit(
        party.neighbour_member, points=6, source="order", kind="order.resolved", on=Q3_DAY
    )
    ledger.credit(party.other_member, points=9, source="activity", kind="activity.study", on=Q3_DAY)
    party.period = point_actions.compute_period("2026Q3", by=None, subject_type=PM)
    return party


def login(client, party, role):
    client.force_login(party.users[role], backend=BACKEND)


def test_pages_render_for_the_street_admin(client, rated):
    login(client, rated, "street_admin")
    pages = [
        reverse("party:points_ledger"),
        reverse("party:points_ledger") + "?source=activity&date_from=2026-07-01&search=李",
        reverse("party:points_person", args=[rated.member.pk]),
        reverse("party:points_adjust", args=[rated.member.pk]),
        reverse("party:points_disqualify", args=[rated.member.pk]),
        reverse("party:points_reverse", args=[rated.entry.pk]),
        reverse("party:ratings"),
        reverse("party:rating_compute") + "?period=2026Q3",
        reverse("party:rating_detail", args=["2026Q3"]),
        reverse("party:rating_detail", args=["2026Q3"]) + "?stars_min=1&disqualified=false",
        reverse("party:rating_result", args=["2026Q3", rated.member.pk]),
        reverse("party:rating_publish", args=["2026Q3"]),
        reverse("party:star_items"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("party:rating_result", args=["2026Q3", rated.member.pk]))
    text = page.content.decode()
    assert "学习进步星" in text and 'data-earned="1"' in text and "党课" in text


def test_bad_input_is_not_a_500(client, rated):
    login(client, rated, "street_admin")
    assert client.get(reverse("party:rating_compute") + "?period=2026Q9").status_code == 400
    assert client.post(reverse("party:rating_compute"), {"period": "x"}).status_code == 400
    assert client.get(reverse("party:rating_detail", args=["1999Q1"])).status_code == 404
    assert client.get(reverse("party:points_ledger") + "?date_from=junk&page=x").status_code == 200
    assert (
        client.get(reverse("party:rating_detail", args=["2026Q3"]) + "?stars_min=-3").status_code
        == 200
    )
    response = client.post(
        reverse("party:points_adjust", args=[rated.member.pk]),
        {"points": "abc", "reason": "", "occurred_on": "2026-08-01"},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("party:rating_result", args=["2026Q3", rated.member.pk]),
        {"score-political": "150"},
    )
    assert response.status_code == 400


def test_compute_and_publish_through_the_pages(client, rated):
    login(client, rated, "street_admin")
    response = client.post(reverse("party:rating_compute"), {"period": "2026Q3"})
    assert response.status_code == 302
    response = client.post(reverse("party:rating_publish", args=["2026Q3"]))
    assert response.status_code == 302
    assert RatingPeriod.objects.get(code="2026Q3").is_published
    # published: recomputing is refused on the page, not a 500
    response = client.post(reverse("party:rating_compute"), {"period": "2026Q3"})
    assert response.status_code == 400


def test_adjustment_and_reversal_through_the_pages(client, rated):
    worker = rated.users["community_worker"]
    secretary = rated.users["community_secretary"]
    login(client, rated, "community_worker")
    page = client.get(reverse("party:points_adjust", args=[rated.member.pk]))
    choices = [
        c[0].value if hasattr(c[0], "value") else c[0]
        for c in page.context["form"].fields["approved_by"].choices
    ]
    assert secretary.pk in choices and worker.pk not in choices
    response = client.post(
        reverse("party:points_adjust", args=[rated.member.pk]),
        {"points": "2", "reason": "表彰", "occurred_on": "2026-08-01", "approved_by": secretary.pk},
    )
    assert response.status_code == 302
    adjustment = LedgerEntry.objects.get(kind="manual.adjustment")
    assert adjustment.approved_by == secretary and adjustment.created_by == worker
    # the approver field refuses the worker herself
    response = client.post(
        reverse("party:points_adjust", args=[rated.member.pk]),
        {"points": "2", "reason": "x", "occurred_on": "2026-08-01", "approved_by": worker.pk},
    )
    assert response.status_code == 400
    # reversal needs a reason
    url = reverse("party:points_reverse", args=[adjustment.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "录入错误"}).status_code == 302
    assert LedgerEntry.objects.filter(reverses=adjustment).exists()
    assert client.get(url).status_code == 302  # already reversed: back to the ledger


# --- the permission matrix ---------------------------------------------------------------------
# page → what each role gets for an in-scope member (grid 1 of community 1)
MATRIX = {
    "ledger": {
        "street_admin": 200,
        "community_secretary": 200,
        "community_worker": 200,
        "grid_worker": 403,
        "branch_secretary": 200,
        "party_member": 403,
        "resident": 403,
    },
    "member": {
        "street_admin": 200,
        "community_secretary": 200,
        "community_worker": 200,
        "grid_worker": 404,
        "branch_secretary": 200,
        "party_member": 404,
        "resident": 404,
    },
    "adjust": {
        "street_admin": 200,
        "community_secretary": 200,
        "community_worker": 200,
        "grid_worker": 404,
        "branch_secretary": 403,
        "party_member": 404,
        "resident": 404,
    },
    "disqualify": {
        "street_admin": 200,
        "community_secretary": 200,
        "community_worker": 403,
        "grid_worker": 404,
        "branch_secretary": 403,
        "party_member": 404,
        "resident": 404,
    },
    "ratings": {
        "street_admin": 200,
        "community_secretary": 200,
        "community_worker": 200,
        "grid_worker": 403,
        "branch_secretary": 200,
        "party_member": 403,
        "resident": 403,
    },
    "compute": {
        "street_admin": 200,
        "community_secretary": 403,
        "community_worker": 403,
        "grid_worker": 403,
        "branch_secretary": 403,
        "party_member": 403,
        "resident": 403,
    },
    "mine": {
        "street_admin": 404,
        "community_secretary": 404,
        "community_worker": 404,
        "grid_worker": 404,
        "branch_secretary": 404,
        "party_member": 200,
        "resident": 404,
    },
}


def urls(party):
    return {
        "ledger": reverse("party:points_ledger"),
        "member": reverse("party:points_person", args=[party.member.pk]),
        "adjust": reverse("party:points_adjust", args=[party.member.pk]),
        "disqualify": reverse("party:points_disqualify", args=[party.member.pk]),
        "ratings": reverse("party:ratings"),
        "compute": reverse("party:rating_compute") + "?period=2026Q3",
        "mine": reverse("party:points_mine"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, rated, role):
    login(client, rated, role)
    for page, url in urls(rated).items():
        assert client.get(url).status_code == MATRIX[page][role], (page, role)


@pytest.mark.parametrize("role", ["community_secretary", "community_worker", "branch_secretary"])
def test_out_of_scope_member_is_404(client, rated, role):
    login(client, rated, role)
    for url in [
        reverse("party:points_person", args=[rated.other_member.pk]),
        reverse("party:points_adjust", args=[rated.other_member.pk]),
        reverse("party:rating_result", args=["2026Q3", rated.other_member.pk]),
    ]:
        assert client.get(url).status_code == 404
    # the community-2 member is not in the results they see
    page = client.get(reverse("party:rating_detail", args=["2026Q3"]))
    ids = [r.subject_id for r in page.context["page"]]
    assert rated.other_member.pk not in ids and rated.member.pk in ids


def test_anonymous_is_sent_to_login(client, rated):
    for page, url in urls(rated).items():
        assert client.get(url).status_code == 302, page


def test_member_sees_her_stars_and_the_entries_behind_them(client, rated):
    login(client, rated, "party_member")
    page = client.get(reverse("party:points_mine")).content.decode()
    assert "党课" in page and 'data-earned="1"' in page and 'id="my-stars"' in page
    assert reverse("party:points_mine") in client.get(reverse("party:me")).content.decode()


# --- query budgets -----------------------------------------------------------------------------
def test_lists_have_a_query_budget(client, rated, django_assert_max_num_queries):
    for _n in range(30):
        ledger.credit(rated.member, points=1, source="activity", kind="activity.visit", on=Q3_DAY)
    login(client, rated, "community_secretary")
    for url in [
        reverse("party:points_ledger"),
        reverse("party:points_person", args=[rated.member.pk]),
        reverse("party:rating_detail", args=["2026Q3"]),
        reverse("party:ratings"),
    ]:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


# --- export ------------------------------------------------------------------------------------
def test_excel_export(client, rated):
    login(client, rated, "community_secretary")
    response = client.get(reverse("party:rating_export", args=["2026Q3"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "学习进步星" in header and "政治坚定星" in header
    names = [row[1] for row in rows[1:]]
    assert "李秀英" in names and "赵敏" not in names  # scoped to community 1
    mine = next(row for row in rows[1:] if row[1] == "李秀英")
    assert mine[header.index("学习进步星")] == "★"
    assert RatingResult.objects.filter(period=rated.period).count() == 4


def test_disqualify_and_withdraw_through_the_pages(client, rated):
    from sixfold.points.models import Disqualification

    login(client, rated, "community_secretary")
    url = reverse("party:points_disqualify", args=[rated.member.pk])
    assert client.post(url, {"occurred_on": "2026-08-01", "reason": ""}).status_code == 400
    assert client.post(url, {"occurred_on": "2999-08-01", "reason": "x"}).status_code == 400
    response = client.post(url, {"occurred_on": "2026-08-01", "reason": "党内警告处分"})
    assert response.status_code == 302
    record = Disqualification.objects.get()
    page = client.get(reverse("party:points_person", args=[rated.member.pk])).content.decode()
    withdraw = reverse("party:points_withdraw", args=[record.pk])
    assert "党内警告处分" in page and withdraw in page
    point_actions.compute_period(rated.period, by=None)
    assert RatingResult.objects.get(period=rated.period, subject_id=rated.member.pk).stars == 0
    # a worker may not withdraw it; the secretary may, with a reason
    login(client, rated, "community_worker")
    assert client.post(withdraw, {"reason": "x"}).status_code == 403
    login(client, rated, "community_secretary")
    assert client.post(withdraw, {"reason": ""}).status_code == 400
    assert client.post(withdraw, {"reason": "录入错误"}).status_code == 302
    assert client.get(withdraw).status_code == 404  # withdrawn already
    point_actions.compute_period(rated.period, by=None)
    assert RatingResult.objects.get(period=rated.period, subject_id=rated.member.pk).stars == 2


def test_results_by_community_and_grid(client, rated):
    login(client, rated, "street_admin")
    url = reverse("party:rating_detail", args=["2026Q3"])
    groups = {g["node"]: g for g in client.get(url).context["groups"]}
    assert groups[rated.community.code]["people"] == 3
    assert groups[rated.other_community.code]["people"] == 1
    inside = client.get(url + f"?region={rated.community.code}").context["groups"]
    assert {g["node"] for g in inside} <= {rated.grid.code, rated.second_grid.code}
    assert client.get(url + f"?region={rated.grid.code}").context["groups"] == []


def test_staff_record_a_members_wish_to_leave_the_board(client, rated):
    from sixfold.points.models import BoardOptOut

    url = reverse("party:points_board", args=[rated.member.pk])
    login(client, rated, "branch_secretary")  # sees the ledger, may not change it
    assert client.post(url, {"hidden": "1"}).status_code == 403
    login(client, rated, "community_worker")
    page = client.get(reverse("party:points_person", args=[rated.member.pk])).content.decode()
    assert url in page
    assert client.post(url, {"hidden": "1"}).status_code == 302
    assert BoardOptOut.objects.filter(subject_id=rated.member.pk).exists()
    assert client.post(url, {"hidden": "0"}).status_code == 302
    assert not BoardOptOut.objects.exists()
    other = reverse("party:points_board", args=[rated.other_member.pk])
    assert client.post(other, {"hidden": "1"}).status_code == 404
