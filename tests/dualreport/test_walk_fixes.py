"""Dual reporting pages wear the party pillar's navigation colours (red pills), as the other
party pages do, instead of the default blue."""

from django.urls import reverse

BACKEND = "django.contrib.auth.backends.ModelBackend"


def test_dual_reporting_nav_is_the_party_nav(client, dual):
    client.force_login(dual.users["community_secretary"], backend=BACKEND)
    for name in ["dualreport:home", "dualreport:post_list", "dualreport:unregistered_list"]:
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert 'sf-party-nav" id="dualreport-nav"' in page.content.decode(), name
