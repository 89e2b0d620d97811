"""The dual-reporting pages: forms that come back with field errors (never a 500), the member's
journey on her phone pages, the secretary's confirmations, and no inline scripts."""

import datetime as dt

import pytest
from django.urls import reverse

from sixfold.party.dualreport.models import (
    MemberRegistration,
    PostClaim,
    ServicePost,
    ServiceRecord,
    UnitRegistration,
)
from sixfold.points.models import LedgerEntry

from .conftest import category

BACKEND = "django.contrib.auth.backends.ModelBackend"


def login(client, dual, role="community_secretary"):
    client.force_login(dual.users[role], backend=BACKEND)
    return dual.users[role]


BAD_POSTS = [
    ("registration_create", {"member": "abc", "phone": "x" * 40}),
    ("registration_create", {"member": "999999999999999999999"}),
    ("unit_create", {"community": "nope", "name": "", "phone": "123"}),
    ("post_create", {"community": "1", "category": "x", "title": "", "capacity": "-1"}),
    ("post_create", {"title": "x" * 500, "capacity": "99999999999999999999", "starts_on": "x"}),
]


@pytest.mark.parametrize("name,data", BAD_POSTS)
def test_bad_forms_come_back_with_field_errors(client, dual, name, data):
    login(client, dual)
    counts = [m.objects.count() for m in (MemberRegistration, UnitRegistration, ServicePost)]
    response = client.post(reverse(f"dualreport:{name}"), data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "invalid-feedback" in (
        response.content.decode()
    )
    assert counts == [
        m.objects.count() for m in (MemberRegistration, UnitRegistration, ServicePost)
    ]


def test_an_action_refusal_lands_on_the_form(client, dual):
    login(client, dual)
    url = reverse("dualreport:registration_log", args=[dual.registration.pk])
    response = client.post(url, {"served_on": "2025-06-01", "hours": "2", "description": "x"})
    assert response.status_code == 200
    assert "2026-01-05" in response.content.decode()  # before the registration
    response = client.post(
        reverse("dualreport:post_edit", args=[dual.post.pk]),
        {"category": category().pk, "title": "t", "capacity": "0"},
    )
    assert response.status_code == 200 and ServicePost.objects.get(pk=dual.post.pk).capacity == 2


def test_the_member_claims_logs_and_reads_her_letter(client, dual):
    login(client, dual, "party_member")
    page = client.get(reverse("dualreport:me")).content.decode()
    assert "楼道文明劝导" in page  # the post she holds
    assert 'name="viewport"' in page
    second = ServicePost.objects.create(
        community=dual.community,
        code=dual.community.code,
        category=category("health"),
        title="义诊志愿岗",
        capacity=1,
    )
    assert "义诊志愿岗" in client.get(reverse("dualreport:me")).content.decode()
    response = client.post(reverse("dualreport:post_claim", args=[second.pk]), follow=True)
    assert response.status_code == 200
    assert PostClaim.objects.filter(post=second, registration=dual.registration).exists()
    # claiming again gets a clear message, not an error page
    response = client.post(reverse("dualreport:post_claim", args=[second.pk]), follow=True)
    assert response.status_code == 200
    response = client.post(
        reverse("dualreport:registration_log", args=[dual.registration.pk]),
        {"served_on": "2026-02-03", "hours": "2", "post": second.pk, "description": "义诊"},
    )
    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    assert record.status == "pending" and not LedgerEntry.objects.exists()
    letter = client.get(
        reverse("dualreport:letter", args=[dual.registration.pk]) + "?quarter=2026-Q1"
    )
    assert letter.status_code == 200


def test_a_full_post_says_so(client, dual):
    from sixfold.party.dualreport import actions

    neighbour = actions.register_member(dual.neighbour_member, {}, by=None)
    small = actions.publish_post(
        dual.community,
        {"category": category(), "title": "小岗位", "capacity": 1},
        by=None,
    )
    actions.claim_post(small, neighbour, by=None)
    login(client, dual, "party_member")
    response = client.post(reverse("dualreport:post_claim", args=[small.pk]), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "full" in page or "已满" in page
    assert PostClaim.objects.filter(post=small).count() == 1


def test_the_secretary_confirms_and_withdraws_hours(client, dual):
    from sixfold.party.dualreport import actions

    record = actions.log_service(
        dual.registration,
        {"served_on": dt.date(2026, 2, 3), "hours": "2", "description": "x"},
        by=dual.users["party_member"],
    )
    login(client, dual)
    pending = client.get(reverse("dualreport:record_list") + "?status=pending").content.decode()
    assert f'data-confirm-record="{record.pk}"' in pending
    response = client.post(reverse("dualreport:record_confirm", args=[record.pk]), {"next": "list"})
    assert response.status_code == 302 and "status=pending" in response["Location"]
    assert LedgerEntry.objects.get().points == 2
    url = reverse("dualreport:record_decide", args=[record.pk, "withdraw"])
    page = client.get(url).content.decode()
    assert 'id="reversal-note"' in page
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "重复登记"}).status_code == 302
    assert sum(e.points for e in LedgerEntry.objects.all()) == 0


def test_pages_carry_no_inline_script(client, dual):
    login(client, dual)
    for url in (
        reverse("dualreport:home"),
        reverse("dualreport:letter_list"),
        reverse("dualreport:letter", args=[dual.registration.pk]),
        reverse("dualreport:registration_detail", args=[dual.registration.pk]),
    ):
        html = client.get(url).content.decode()
        assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html


def test_the_party_navigation_links_here(client, dual):
    login(client, dual)
    assert reverse("dualreport:home") in client.get(reverse("party:member_list")).content.decode()


def test_bad_filters_never_fail(client, dual):
    login(client, dual)
    for url in (
        reverse("dualreport:record_list") + "?served_from=bad&registration=abc&status=nope",
        reverse("dualreport:registration_list") + "?category=x&status=zz&region=%00",
        reverse("dualreport:post_list") + "?category=99999999999999999999999&page=abc",
        reverse("dualreport:unit_list") + "?page=9999",
        reverse("dualreport:idle_list") + "?page=-1",
    ):
        assert client.get(url).status_code == 200, url


def test_the_community_claims_a_place_for_a_member(client, dual, django_assert_max_num_queries):
    from sixfold.party.dualreport import actions

    neighbour = actions.register_member(
        dual.neighbour_member, {"categories": [category("governance")]}, by=None
    )
    login(client, dual)
    url = reverse("dualreport:post_detail", args=[dual.post.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    # 王强 asked for governance posts and does not hold this one; 李秀英 holds it already
    assert 'id="assign-member"' in page
    options = page[page.index('id="assign-member"') : page.index("</select>")]
    assert f'value="{neighbour.pk}"' in options
    assert f'value="{dual.registration.pk}"' not in options
    assign = reverse("dualreport:post_assign", args=[dual.post.pk])
    response = client.post(assign, {"registration": neighbour.pk}, follow=True)
    assert response.status_code == 200
    assert PostClaim.objects.filter(
        post=dual.post, registration=neighbour, status="active"
    ).exists()
    # the post (two places) is full now: no more choice, and a forced request is refused cleanly
    assert 'id="assign-member"' not in client.get(url).content.decode()
    response = client.post(assign, {"registration": "abc"}, follow=True)
    assert response.status_code == 200
    assert PostClaim.objects.filter(post=dual.post).count() == 2
    # those who may not manage get 403, those who do not see the post 404
    login(client, dual, "branch_secretary")
    assert client.post(assign, {"registration": neighbour.pk}).status_code == 404
    login(client, dual, "party_member")
    assert client.post(assign, {"registration": neighbour.pk}).status_code == 404


def test_huge_ids_are_not_found_not_errors(client, dual):
    login(client, dual)
    huge = "9" * 30
    assert (
        client.get(reverse("dualreport:registration_create") + f"?member={huge}").status_code == 200
    )
    response = client.post(
        reverse("dualreport:post_assign", args=[dual.post.pk]), {"registration": huge}, follow=True
    )
    assert response.status_code == 200
    for url in (
        f"/party/dual-report/registrations/{huge}/",
        f"/party/dual-report/posts/{huge}/",
        f"/party/dual-report/records/{huge}/",
        f"/api/v1/party/dual-report/registrations/{huge}/",
    ):
        assert client.get(url).status_code == 404, url


def test_huge_choices_on_forms_are_field_errors(client, dual):
    login(client, dual)
    huge = "9" * 30
    response = client.post(
        reverse("dualreport:registration_edit", args=[dual.registration.pk]),
        {"employer": "莱钢", "categories": [huge, "x"], "unit": huge},
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    response = client.post(
        reverse("dualreport:registration_log", args=[dual.registration.pk]),
        {"served_on": "2026-02-03", "hours": "1", "description": "x", "post": huge},
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    response = client.post(
        reverse("dualreport:post_create"),
        {"community": huge, "category": huge, "title": "t", "capacity": "1"},
    )
    assert response.status_code == 200
