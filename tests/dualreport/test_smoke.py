"""Every dual-reporting page answers for the community and for the member."""

from django.urls import reverse

from sixfold.party.dualreport import actions

BACKEND = "django.contrib.auth.backends.ModelBackend"


def test_staff_pages_render(client, dual):
    client.force_login(dual.users["community_secretary"], backend=BACKEND)
    record = actions.log_service(
        dual.registration,
        {"served_on": "2026-02-01", "hours": "2", "description": "劝导"},
        by=dual.users["community_secretary"],
    )
    urls = [
        reverse("dualreport:home"),
        reverse("dualreport:registration_list"),
        reverse("dualreport:registration_create"),
        reverse("dualreport:registration_detail", args=[dual.registration.pk]),
        reverse("dualreport:registration_edit", args=[dual.registration.pk]),
        reverse("dualreport:registration_withdraw", args=[dual.registration.pk]),
        reverse("dualreport:registration_log", args=[dual.registration.pk]),
        reverse("dualreport:registration_assess", args=[dual.registration.pk]) + "?quarter=2026-Q1",
        reverse("dualreport:letter", args=[dual.registration.pk]) + "?quarter=2026-Q1",
        reverse("dualreport:unit_list"),
        reverse("dualreport:unit_create"),
        reverse("dualreport:post_list"),
        reverse("dualreport:post_create"),
        reverse("dualreport:post_detail", args=[dual.post.pk]),
        reverse("dualreport:post_edit", args=[dual.post.pk]),
        reverse("dualreport:record_list"),
        reverse("dualreport:record_detail", args=[record.pk]),
        reverse("dualreport:record_decide", args=[record.pk, "withdraw"]),
        reverse("dualreport:letter_list") + "?quarter=2026-Q1",
        reverse("dualreport:unregistered_list"),
        reverse("dualreport:idle_list"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    for url in (
        reverse("dualreport:registration_export"),
        reverse("dualreport:letter_export"),
        reverse("dualreport:unregistered_export"),
        reverse("dualreport:idle_export"),
    ):
        assert client.get(url).status_code == 200, url


def test_member_pages_render(client, dual):
    client.force_login(dual.users["party_member"], backend=BACKEND)
    for url in (
        reverse("dualreport:home"),
        reverse("dualreport:me"),
        reverse("dualreport:registration_log", args=[dual.registration.pk]),
        reverse("dualreport:post_detail", args=[dual.post.pk]),
        reverse("dualreport:letter", args=[dual.registration.pk]),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
