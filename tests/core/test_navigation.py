"""The pillar tab of the page being shown is marked active, sub-apps under their pillar's tab."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def active_tabs(html: str) -> list[str]:
    nav = html.split('class="sf-pillars', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="nav-link active" href="([^"]+)"', nav)


@pytest.mark.parametrize(
    "url_name", ["party:home", "checkup:cycle_list", "dualreport:home", "orders:home"]
)
def test_the_tab_of_the_page_is_active(client, world, url_name):
    client.force_login(world.users["street_admin"])
    response = client.get(reverse(url_name), follow=True)
    assert response.status_code == 200
    tabs = active_tabs(response.content.decode())
    expected = reverse("orders:home") if url_name == "orders:home" else reverse("party:home")
    assert tabs == [expected]
