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


def test_the_record_form_asks_for_a_service_post_not_a_party_office():
    """Logging hours, the member picks the service post (岗位) the hours belong to; the label said
    职务, the word for an office held in the party."""
    from django.utils import translation

    from sixfold.party.dualreport.forms import RecordForm
    from sixfold.party.dualreport.models import ServicePost

    with translation.override("zh-hans"):
        form = RecordForm(posts=ServicePost.objects.none())
        assert str(form.fields["post"].label) == "岗位"


def test_a_units_employer_is_not_a_stairwell(client, dual):
    """The employer of a reporting party organisation was labelled 单元 (a stairwell unit of a
    building); it is the work unit, 工作单位."""
    from django.utils import translation

    from sixfold.party.dualreport.forms import UnitForm

    with translation.override("zh-hans"):
        assert str(UnitForm().fields["unit"].label) == "工作单位"
    from pathlib import Path

    template = Path(__file__).resolve().parents[2] / "sixfold/templates/dualreport/unit_list.html"
    text = template.read_text()
    assert 'translate "Unit"' not in text and "translate 'Unit'" not in text
    assert text.count("Employer") == 2
