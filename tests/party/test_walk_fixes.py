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
