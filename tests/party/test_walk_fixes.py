"""Defects found walking the demo street as its users: the pillar's tab for residents and
visitors, the adjustment date before the member joined, long reasons in the ledger table, the
rating compute page after a mistyped period, and the airing board's tools on a phone."""

import datetime as dt

import pytest
from django.urls import reverse

from sixfold.points import ledger
from sixfold.points.models import LedgerEntry
from tests.points.star_items import default_star_items  # noqa: F401  (autouse fixture)

BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, party, role):
    client.force_login(party.users[role], backend=BACKEND)


def test_residents_and_visitors_land_on_the_airing_board(client, party):
    home = reverse("party:home")
    response = client.get(home)
    assert response.status_code == 302 and response["Location"] == reverse("party:airing_index")
    login(client, party, "resident")
    response = client.get(home)
    assert response.status_code == 302 and response["Location"] == reverse("party:airing_index")
    assert client.get(response["Location"]).status_code == 200


def test_an_adjustment_cannot_predate_joining_the_party(client, party):
    secretary = party.users["community_secretary"]
    login(client, party, "community_worker")
    url = reverse("party:points_adjust", args=[party.member.pk])
    data = {"points": "2", "reason": "补录", "approved_by": secretary.pk}
    response = client.post(url, {**data, "occurred_on": "1900-01-01"})
    assert response.status_code == 400
    assert "occurred_on" in response.context["form"].errors
    assert not LedgerEntry.objects.filter(kind="manual.adjustment").exists()
    joined = party.member.joined_on
    response = client.post(url, {**data, "occurred_on": joined.isoformat()})
    assert response.status_code == 302
    assert LedgerEntry.objects.filter(kind="manual.adjustment").count() == 1


def test_a_long_reason_wraps_in_the_ledger_table(client, party):
    ledger.credit(
        party.member,
        points=1,
        source="activity",
        kind="activity.study",
        on=dt.date(2026, 8, 1),
        reason="x" * 200,
    )
    login(client, party, "community_secretary")
    page = client.get(reverse("party:points_person", args=[party.member.pk])).content.decode()
    assert 'class="text-break"' in page and "x" * 200 in page


@pytest.mark.parametrize("code", ["", "2026Q9"])
def test_a_mistyped_period_can_be_corrected_on_the_compute_page(client, party, code):
    login(client, party, "street_admin")
    response = client.get(reverse("party:rating_compute") + f"?period={code}")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="period-retry"' in page and 'name="period"' in page


def test_the_board_tools_wrap_on_a_phone(client, party):
    response = client.get(reverse("party:airing_board", args=[party.community.code]))
    assert response.status_code == 200
    assert (
        'class="d-flex flex-wrap gap-2 sf-no-print" id="board-tools"' in response.content.decode()
    )


def test_one_click_removals_ask_first(client, party):
    """Removing a responsibility, vacating a grid post and ending a party post are forms that
    party.js confirms before sending."""
    from sixfold.party import actions

    actions.assign_responsibility(party.household.region, party.member, by=None)
    login(client, party, "community_secretary")
    page = client.get(reverse("party:chain_node", args=[party.household.region.code]))
    content = page.content.decode()
    assert 'id="unassign-button"' in content
    assert "data-confirm=" in content and "js/party.js" in content


def test_member_counts_are_not_called_family_members(client, party):
    """'Members' in the ratings summary and the check-up progress means party members: the
    columns say so through their own context instead of the household register's wording."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "sixfold" / "templates"
    for name in ["party/stars/rating_detail.html", "checkup/progress.html"]:
        text = (root / name).read_text()
        assert '{% translate "Members" %}' not in text, name
        assert '{% translate "Members" context "party members" %}' in text, name


def test_ranks_say_they_are_street_wide(client, party):
    from sixfold.points import actions as point_actions

    ledger.credit(
        party.member, points=5, source="activity", kind="activity.study", on=dt.date(2026, 8, 1)
    )
    point_actions.compute_period("2026Q3", by=None, subject_type="party.partymember")
    login(client, party, "community_secretary")
    page = client.get(reverse("party:rating_detail", args=["2026Q3"])).content.decode()
    assert "Rank in the street" in page or "全街道名次" in page
    page = client.get(
        reverse("party:rating_result", args=["2026Q3", party.member.pk])
    ).content.decode()
    assert "rank in the street" in page or "全街道名次" in page


def test_exports_head_the_name_column_as_a_persons_name(client, party):
    """The member and ratings workbooks call the column 姓名 (a person's name), as the pages do,
    not 名称 (the name of a thing)."""
    import io

    from django.utils import translation
    from openpyxl import load_workbook

    from sixfold.points import actions as point_actions

    ledger.credit(
        party.member, points=5, source="activity", kind="activity.study", on=dt.date(2026, 8, 1)
    )
    point_actions.compute_period("2026Q3", by=None, subject_type="party.partymember")
    login(client, party, "community_secretary")
    with translation.override("zh-hans"):
        for url in [
            reverse("party:member_export"),
            reverse("party:rating_export", args=["2026Q3"]),
        ]:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
            header = next(sheet.iter_rows(max_row=1, values_only=True))
            assert "姓名" in header and "名称" not in header, (url, header)


def test_nobody_joined_the_party_before_it_was_founded(client, party):
    """An external member (not in the register, so no age check) could be given any date; the
    founding of the party bounds it, on the form and in the action."""
    from django.core.exceptions import ValidationError

    from sixfold.party import actions
    from tests.party.conftest import member

    with pytest.raises(ValidationError) as caught:
        member(party.committee, name="钱进", gender="M", joined_on=dt.date(1, 1, 1))
    assert caught.value.error_dict["joined_on"][0].code == "before_founding"
    assert member(party.committee, name="钱进", gender="M", joined_on=actions.PARTY_FOUNDED)
    login(client, party, "community_secretary")
    response = client.post(
        reverse("party:member_edit", args=[party.external.pk]),
        {
            "name": "孙红",
            "gender": "F",
            "phone": "13900001111",
            "joined_on": "0001-01-01",
            "organization": party.committee.pk,
            "standing": "full",
        },
    )
    assert response.status_code != 302  # the form comes back with the error
    party.external.refresh_from_db()
    assert party.external.joined_on != dt.date(1, 1, 1)


def test_transfers_and_disqualifications_cannot_predate_joining(client, party):
    from django.core.exceptions import ValidationError

    from sixfold.party import actions
    from sixfold.points.models import Disqualification

    before = party.member.joined_on - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        actions.transfer_member(party.member, on=before, to_name="外地党组织", by=None)
    assert caught.value.error_dict["on"][0].code == "before_joining"
    login(client, party, "community_secretary")
    response = client.post(
        reverse("party:points_disqualify", args=[party.member.pk]),
        {"occurred_on": before.isoformat(), "reason": "处分"},
    )
    assert response.status_code == 400
    assert "occurred_on" in response.context["form"].errors
    assert not Disqualification.objects.exists()


def test_a_star_item_is_in_use_not_on_the_register(client, party):
    """The switch of a star item was labelled 在册 (a member on the register); it is 启用."""
    from django.utils import translation

    from sixfold.party.views_stars import StarItemForm

    with translation.override("zh-hans"):
        assert str(StarItemForm.base_fields["active"].label) == "启用"
    login(client, party, "street_admin")
    page = client.get(reverse("party:star_items"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert '<th scope="col">启用</th>' in page.content.decode()


def test_children_are_not_offered_as_new_members(client, party):
    from tests import factories

    factories.resident(party.household, name="周小新", birth_date=dt.date(2015, 3, 1))
    factories.resident(party.household, name="周新华", birth_date=dt.date(1990, 3, 1))
    login(client, party, "community_secretary")
    page = client.get(reverse("party:resident_search"), {"q": "周"}, HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert "周新华" in text and "周小新" not in text


def test_the_board_lists_do_not_overflow_a_phone(client, party):
    """The red and yellow lists' row kept its negative gutters inside the print preview, whose
    container has no padding: the page scrolled sideways on a phone."""
    from sixfold.points import actions as point_actions

    ledger.credit(
        party.member, points=5, source="activity", kind="activity.study", on=dt.date(2026, 8, 1)
    )
    period = point_actions.compute_period("2026Q3", by=None, subject_type="party.partymember")
    point_actions.publish_period(period, by=None)
    url = reverse("party:airing_board", args=[party.community.code])
    page = client.get(url, {"period": "2026Q3", "print": "1"}).content.decode()
    assert '<div class="row g-3 mb-3 mx-0" id="board-lists">' in page
