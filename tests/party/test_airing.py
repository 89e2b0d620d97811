"""The public airing board (晾晒, S8): only published periods, ranked and listed red / yellow,
names masked for anonymous visitors and for people outside the community, full for its
residents and for staff in scope; a printable version."""

import datetime as dt

import pytest
from django.urls import reverse

from sixfold.points import actions as point_actions
from sixfold.points import ledger
from tests import factories
from tests.points.star_items import default_star_items  # noqa: F401  (autouse fixture)

PM = "party.partymember"
Q3_DAY = dt.date(2026, 8, 15)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def study(member, points):
    ledger.credit(member, points=points, source="activity", kind="activity.study", on=Q3_DAY)


@pytest.fixture
def board(party, settings):
    settings.SIXFOLD_AIRING_RED_MIN_STARS = 2
    settings.SIXFOLD_AIRING_YELLOW_MAX_STARS = 0
    for kind in ("activity.study", "activity.patrol", "activity.visit"):
        ledger.credit(party.member, points=5, source="activity", kind=kind, on=Q3_DAY)
    study(party.neighbour_member, 4)
    study(party.other_member, 4)
    period = point_actions.compute_period("2026Q3", by=None, subject_type=PM)
    party.url = reverse("party:airing_board", args=[party.community.code])
    party.period = period
    return party


def publish(party):
    point_actions.publish_period(party.period, by=None)


def names(response):
    return [row["name"] for row in response.context["rows"]]


def test_unpublished_periods_are_not_shown(client, board):
    response = client.get(board.url)
    assert response.status_code == 200
    assert response.context["period"] is None
    assert "李秀英" not in response.content.decode()
    assert client.get(board.url + "?period=2026Q3").status_code == 404


def test_anonymous_visitor_sees_masked_names_and_the_ranking(client, board):
    publish(board)
    response = client.get(board.url)
    text = response.content.decode()
    assert response.status_code == 200
    assert names(response) == ["李**", "王*", "孙*"]
    assert [row["rank"] for row in response.context["rows"]] == [1, 2, 3]
    assert "李秀英" not in text and "王强" not in text and "孙红" not in text
    assert [row["name"] for row in response.context["red"]] == ["李**"]
    assert [row["name"] for row in response.context["yellow"]] == ["孙*"]
    # community 2's member is on her own community's board only
    assert "赵*" not in text


def test_resident_of_another_community_sees_masked_names(client, board):
    publish(board)
    outsider = factories.user_with_role(
        "resident", board.other_household.region, username="t_outsider"
    )
    client.force_login(outsider, backend=BACKEND)
    assert names(client.get(board.url)) == ["李**", "王*", "孙*"]


@pytest.mark.parametrize(
    "role", ["resident", "party_member", "community_secretary", "grid_worker", "street_admin"]
)
def test_people_of_the_community_see_full_names(client, board, role):
    publish(board)
    client.force_login(board.users[role], backend=BACKEND)
    assert names(client.get(board.url)) == ["李秀英", "王强", "孙红"]


def test_staff_of_the_other_community_see_masked_names(client, board):
    publish(board)
    secretary = factories.user_with_role(
        "community_secretary", board.other_community, username="t_secretary_2"
    )
    client.force_login(secretary, backend=BACKEND)
    assert names(client.get(board.url)) == ["李**", "王*", "孙*"]


def test_printable_version_and_index(client, board):
    publish(board)
    response = client.get(board.url + "?period=2026Q3&print=1")
    text = response.content.decode()
    assert response.status_code == 200 and "css/print.css" in text and 'id="print-now"' in text
    index = client.get(reverse("party:airing_index"))
    assert index.status_code == 200
    assert board.url in index.content.decode()
    rated = {c.code: c.rated for c in index.context["communities"]}
    assert rated == {board.community.code: 3, board.other_community.code: 1}


def test_unknown_community_or_period_is_404(client, board):
    publish(board)
    assert client.get(reverse("party:airing_board", args=["999"])).status_code == 404
    assert client.get(reverse("party:airing_board", args=[board.grid.code])).status_code == 404
    assert client.get(board.url + "?period=2026Q9").status_code == 404


def test_board_query_count(client, board, django_assert_max_num_queries):
    publish(board)
    with django_assert_max_num_queries(6):
        client.get(board.url)
    with django_assert_max_num_queries(6):
        client.get(reverse("party:airing_index"))


def test_a_member_may_ask_not_to_be_shown(client, board):
    publish(board)
    client.force_login(board.users["party_member"], backend=BACKEND)  # 李秀英
    mine = client.get(reverse("party:points_mine")).content.decode()
    assert 'id="board-choice"' in mine
    response = client.post(reverse("party:points_board_choice"), {"hidden": "1"})
    assert response.status_code == 302
    client.logout()
    response = client.get(board.url)
    assert names(response) == ["王*", "孙*"]
    assert [row["rank"] for row in response.context["rows"]] == [1, 2]
    assert response.context["hidden_count"] == 1
    body = client.get(f"/api/v1/party/airing/{board.community.code}/").json()
    assert [row["name"] for row in body["rows"]] == ["王*", "孙*"] and body["hidden_count"] == 1
    # staff still see her in the results; she may come back
    client.force_login(board.users["community_secretary"], backend=BACKEND)
    detail = client.get(reverse("party:rating_detail", args=["2026Q3"]))
    assert board.member.pk in [r.subject_id for r in detail.context["page"]]
    client.force_login(board.users["party_member"], backend=BACKEND)
    client.post(reverse("party:points_board_choice"), {"hidden": "0"})
    client.logout()
    assert names(client.get(board.url))[0] == "李**"


def test_only_members_choose_for_themselves(client, board):
    client.force_login(board.users["resident"], backend=BACKEND)
    assert client.post(reverse("party:points_board_choice"), {"hidden": "1"}).status_code == 404
    assert client.get(reverse("party:points_board_choice")).status_code == 405
