"""The main path and every transition's state, permission and guard checks."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sixfold.core.models import AuditEvent
from sixfold.orders import actions
from sixfold.orders.models import Order, OrderEvent, SupervisorNote
from sixfold.orders.states import State

from .conftest import codes


def test_the_main_path_from_submission_to_the_board(ow):
    """Given a resident's order, when it goes the whole way, then every step is recorded."""
    order = ow.submit()
    assert order.state == State.SUBMITTED
    assert order.number.startswith("GD") and len(order.number) == 14
    assert order.requester == ow.users["resident"] and order.accept_due is not None
    order = actions.accept(order, by=ow.users["community_worker"])
    assert order.state == State.ACCEPTED and order.resolve_due and order.claim_due
    order = actions.claim(order, by=ow.users["party_member"])
    assert order.state == State.CLAIMED and order.claimant == ow.users["party_member"]
    assert order.claimant_kind == "party_member"
    order = actions.start(order, by=ow.users["party_member"])
    order = actions.resolve(order, by=ow.users["party_member"], resolution="已更换灯泡。")
    assert order.state == State.RESOLVED and not order.resolve_overdue
    order = actions.verify(order, by=ow.users["community_secretary"])
    order = actions.close(order, by=ow.users["resident"], rating=5, comment="很及时")
    assert order.state == State.PUBLISHED and order.rating == 5
    steps = list(order.events.values_list("transition", "from_state", "to_state"))
    assert [s[0] for s in steps] == [
        "submit", "accept", "claim", "start", "resolve", "verify", "close", "publish",
    ]  # fmt: skip
    assert steps[2][1:] == ("accepted", "claimed")
    assert (
        AuditEvent.objects.filter(object_type="orders.order", object_id=str(order.pk)).count() == 8
    )
    assert Order.objects.on_board().get() == order


def test_reject_needs_a_reason_and_a_handler(ow):
    order = ow.submit()
    with pytest.raises(ValidationError) as error:
        actions.reject(order, by=ow.users["community_worker"], reason=" ")
    assert codes(error.value) == {"reason": ["required"]}
    with pytest.raises(PermissionDenied):
        actions.reject(order, by=ow.users["party_member"], reason="重复")
    order = actions.reject(order, by=ow.users["community_worker"], reason="不属于社区职责")
    assert order.state == State.REJECTED and order.reason == "不属于社区职责"
    with pytest.raises(ValidationError) as error:
        actions.accept(order, by=ow.users["community_worker"])
    assert codes(error.value) == {"state": ["bad_state"]}


def test_out_of_scope_handlers_are_refused(ow):
    order = ow.submit(region=ow.other_household.region)
    with pytest.raises(PermissionDenied):
        actions.accept(order, by=ow.users["community_worker"])
    actions.accept(order, by=ow.users["street_admin"])


def test_submission_checks_its_fields(ow):
    with pytest.raises(ValidationError) as error:
        actions.submit(
            {"region": ow.street.code + "999", "category": "nope", "text": "", "latitude": "100"},
            by=ow.users["resident"],
        )
    assert codes(error.value) == {
        "region": ["required"],
        "category": ["required"],
        "text": ["required"],
        "latitude": ["invalid"],
    }
    with pytest.raises(ValidationError) as error:
        ow.submit(requester_phone="12345", title="x" * 101)
    assert codes(error.value) == {"title": ["too_long"], "requester_phone": ["invalid"]}
    # a resident cannot pretend to be the hotline
    with pytest.raises(PermissionDenied):
        ow.submit(channel="hotline_12345")


def test_a_worker_files_on_someones_behalf_with_a_masked_phone(ow):
    order = ow.submit(
        by=ow.users["grid_worker"],
        region=ow.grid,
        channel="grid_patrol",
        requester_name="张大爷",
        requester_phone="13812345678",
    )
    assert order.proxy_by == ow.users["grid_worker"] and order.requester is None
    assert order.requester_phone_masked == "138****5678"
    assert order.plaintext_requester_phone() == "13812345678"
    assert "13812345678" not in str(AuditEvent.objects.filter(object_id=str(order.pk)).values())
    assert order.requester_masked == "张**"


def test_numbers_count_per_day(ow):
    first, second = ow.submit(), ow.submit()
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


def test_return_reassign_and_dispatch(ow):
    member, member2 = ow.users["party_member"], ow.users["party_member_2"]
    order = ow.claimed()
    with pytest.raises(PermissionDenied):
        actions.return_order(order, by=member2, reason="不会修")
    order = actions.return_order(order, by=member, reason="临时出差")
    assert order.state == State.ACCEPTED and order.claimant is None
    order = actions.dispatch(order, to=member2, by=ow.users["community_worker"])
    assert order.claimant == member2 and order.state == State.CLAIMED
    order = actions.reassign(order, to=member, by=ow.users["community_worker"], reason="就近")
    assert order.claimant == member
    with pytest.raises(ValidationError) as error:
        actions.reassign(order, to=member, by=ow.users["community_worker"])
    assert codes(error.value) == {"claimant": ["unchanged"]}
    with pytest.raises(ValidationError) as error:
        actions.reassign(order, to=ow.users["resident"], by=ow.users["community_worker"])
    assert codes(error.value) == {"claimant": ["not_eligible"]}
    with pytest.raises(PermissionDenied):  # only the claimant starts
        actions.start(order, by=member2)


def test_send_back_counts_as_rework(ow):
    order = ow.resolved()
    with pytest.raises(ValidationError):
        actions.send_back(order, by=ow.users["community_worker"], reason="")
    order = actions.send_back(order, by=ow.users["community_worker"], reason="灯还是不亮")
    assert order.state == State.IN_PROGRESS and order.rework_count == 1
    order = actions.resolve(order, by=ow.users["party_member"], resolution="更换了线路。")
    assert order.state == State.RESOLVED


def test_close_rating_and_ownership(ow):
    order = ow.verified()
    with pytest.raises(PermissionDenied):
        actions.close(order, by=ow.users["party_member"], rating=5)
    with pytest.raises(ValidationError) as error:
        actions.close(order, by=ow.users["resident"], rating=6)
    assert codes(error.value) == {"rating": ["invalid"]}
    order = actions.close(order, by=ow.users["community_worker"], rating="4")  # by phone
    assert order.state == State.PUBLISHED and order.reopen_until is not None


def test_private_orders_stay_off_the_board(ow):
    order = actions.close(ow.verified(public=False), by=ow.users["resident"], rating=5)
    assert order.state == State.CLOSED
    with pytest.raises(ValidationError) as error:
        actions.publish(order, by=ow.users["community_worker"])
    assert codes(error.value) == {"state": ["not_public"]}


def test_reopen_within_the_window_only(ow, settings):
    order = actions.close(ow.verified(), by=ow.users["resident"], rating=2)
    with pytest.raises(PermissionDenied):
        actions.reopen(order, by=ow.users["neighbour_member"] if "neighbour_member" in ow.users
                       else ow.users["other_member"], reason="又坏了")  # fmt: skip
    order = actions.reopen(order, by=ow.users["resident"], reason="又坏了")
    assert order.state == State.ACCEPTED and order.claimant is None and order.reopen_count == 1
    order = actions.close(
        actions.verify(
            actions.resolve(
                actions.claim(order, by=ow.users["party_member"]),
                by=ow.users["party_member"],
                resolution="再次维修",
            ),
            by=ow.users["community_worker"],
        ),
        by=ow.users["resident"],
        rating=5,
    )
    Order.objects.filter(pk=order.pk).update(reopen_until=timezone.now() - dt.timedelta(hours=1))
    order.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        actions.reopen(order, by=ow.users["resident"], reason="还是不行")
    assert codes(error.value) == {"state": ["reopen_expired"]}


def test_cancel_by_the_requester_only(ow):
    order = ow.accepted()
    with pytest.raises(PermissionDenied):
        actions.cancel(order, by=ow.users["community_worker"])
    order = actions.cancel(order, by=ow.users["resident"], reason="已自行解决")
    assert order.state == State.CANCELLED
    resolved = ow.resolved()
    with pytest.raises(ValidationError) as error:
        actions.cancel(resolved, by=ow.users["resident"])
    assert codes(error.value) == {"state": ["bad_state"]}


def test_merge_duplicates(ow):
    first = ow.accepted()
    second = ow.submit()
    assert actions.suggest_duplicates(second) == [first]
    with pytest.raises(ValidationError) as error:
        actions.merge(second, into=second, by=ow.users["community_worker"])
    assert codes(error.value) == {"into": ["invalid"]}
    second = actions.merge(second, into=first, by=ow.users["community_worker"])
    assert second.state == State.MERGED and second.merged_into == first
    with pytest.raises(ValidationError) as error:  # first has duplicates now
        actions.merge(first, into=ow.accepted(), by=ow.users["community_worker"])
    assert codes(error.value) == {"state": ["has_duplicates"]}


def test_supervisor_notes(ow):
    order = ow.claimed()
    with pytest.raises(PermissionDenied):
        actions.add_note(order, by=ow.users["community_worker"], text="抓紧办")
    note = actions.add_note(order, by=ow.users["community_secretary"], text="请今天办结")
    assert SupervisorNote.objects.get() == note
    assert OrderEvent.objects.filter(order=order, transition="note").count() == 1


def test_events_are_append_only(ow):
    event = ow.submit().events.get()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        OrderEvent.objects.all().delete()


def test_photos_are_checked_by_their_bytes_and_size(ow, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sixfold.orders.models import photo_url

    settings.MEDIA_ROOT = tmp_path
    settings.SIXFOLD_ORDER_PHOTO_MAX_BYTES = 1000
    order = ow.submit()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    photo = actions.add_photo(
        order, upload=SimpleUploadedFile("a.exe", png), by=ow.users["resident"]
    )
    assert photo.extension == "png" and photo.content_type == "image/png"
    assert photo.file.name.endswith(".png") and (tmp_path / photo.file.name).exists()
    assert str(photo.order_id) in photo_url(photo)
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\0" * 20
    assert (
        actions.add_photo(order, upload=SimpleUploadedFile("w", webp), by=None).extension == "webp"
    )
    with pytest.raises(ValidationError) as error:
        actions.add_photo(order, upload=SimpleUploadedFile("a.jpg", b"GIF89a..."), by=None)
    assert codes(error.value) == {"photo": ["bad_type"]}
    with pytest.raises(ValidationError) as error:
        actions.add_photo(
            order, upload=SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * 2000), by=None
        )
    assert codes(error.value) == {"photo": ["too_large"]}
    with pytest.raises(PermissionDenied):
        actions.add_photo(
            order, upload=SimpleUploadedFile("a.png", png), by=ow.users["other_member"]
        )
