"""The public board (晒单) and its weekly notice: anonymous access, only published public orders,
the requester masked, who did the work with her stars, evidence photos only, the print page,
and a fixed number of queries however many orders."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sixfold.orders import actions
from sixfold.orders.models import Order, OrderPhoto
from tests.orders.test_web import PNG


def published(ow, **data):
    order = ow.verified(**data)
    return actions.close(order, by=order.requester, rating=5, comment="谢谢党员同志")


def test_anonymous_visitors_see_published_orders_masked(client, ow):
    order = published(ow)
    ow.verified(title="还没评价")  # verified, not yet on the board
    hidden = ow.verified(public=False, title="不公开的")
    actions.close(hidden, by=hidden.requester, rating=4)
    response = client.get(reverse("orders:board", args=[ow.community.code]))
    assert response.status_code == 200
    content = response.content.decode()
    assert order.title in content and "已更换灯泡" in content and "谢谢党员同志" in content
    assert "还没评价" not in content and "不公开的" not in content
    assert order.requester_display not in content and order.requester_masked in content
    assert order.requester_masked.endswith("**")
    assert ow.household.address not in content
    # who did it: the claimant's name
    assert order.claimant_name in content
    # the other community's board does not show it
    other = client.get(reverse("orders:board", args=[ow.other_community.code])).content.decode()
    assert order.title not in other


def test_stars_beside_the_claimants_name(client, ow, monkeypatch):
    order = published(ow)
    from sixfold.points import stars

    monkeypatch.setattr(stars, "star_counts", lambda people: {p.pk: 3 for p in people})
    content = client.get(reverse("orders:board", args=[ow.community.code])).content.decode()
    assert 'data-stars="3"' in content and "★★★" in content
    assert order.claimant_id


def test_only_evidence_photos_are_public(client, ow):
    order = ow.submit()
    actions.add_photo(
        order, upload=SimpleUploadedFile("a.png", PNG), by=order.requester, kind="request"
    )
    order = actions.accept(order, by=ow.users["community_worker"])
    order = actions.claim(order, by=ow.users["party_member"])
    evidence = actions.add_photo(
        order, upload=SimpleUploadedFile("b.png", PNG), by=ow.users["party_member"], kind="evidence"
    )
    order = actions.resolve(order, by=ow.users["party_member"], resolution="修好了")
    order = actions.verify(order, by=ow.users["community_worker"])
    # before publication nobody outside sees the evidence
    url = reverse("orders:photo", args=[order.pk, evidence.token])
    assert client.get(url).status_code == 404
    actions.close(order, by=order.requester, rating=5)
    content = client.get(reverse("orders:board", args=[ow.community.code])).content.decode()
    assert evidence.token in content
    request_photo = OrderPhoto.objects.get(order=order, kind="request")
    assert request_photo.token not in content
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("orders:photo", args=[order.pk, request_photo.token])).status_code == 404
    )
    assert client.get(reverse("orders:photo", args=[order.pk, "x" * 40])).status_code == 404


def test_weekly_notice_for_print(client, ow):
    order = published(ow)
    week = timezone.localdate().isoformat()
    response = client.get(reverse("orders:notice", args=[ow.community.code]), {"week": week})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'class="sf-notice"' in content and "css/orders.css" in content
    assert order.title in content and order.requester_masked in content
    last_week = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    earlier = client.get(reverse("orders:notice", args=[ow.community.code]), {"week": last_week})
    assert order.title not in earlier.content.decode()
    # a bad week falls back to this week instead of failing
    assert (
        client.get(reverse("orders:notice", args=[ow.community.code]), {"week": "x"}).status_code
        == 200
    )


def test_board_index_and_unknown_community(client, ow):
    published(ow)
    content = client.get(reverse("orders:board_index")).content.decode()
    assert ow.community.code in content
    assert client.get(reverse("orders:board", args=["999"])).status_code == 404
    assert client.get(reverse("orders:board", args=[ow.grid.code])).status_code == 404


def test_board_query_budget(client, ow, django_assert_max_num_queries):
    for _ in range(5):
        published(ow)
    assert Order.objects.on_board().count() == 5
    with django_assert_max_num_queries(8):
        response = client.get(reverse("orders:board", args=[ow.community.code]))
    assert response.status_code == 200
