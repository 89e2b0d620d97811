"""The demo street's party organisation (S1, S2, S26): built by `seed_demo` with the street, the
same for the same seed, with members at a realistic share, a near-complete chain with a few
deliberate gaps, grid posts, and the party's demo logins.

Built on the small street (2 communities, 1 village) like tests/core/test_seed_demo.py."""

import hashlib
import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory

from sixfold.accounts.models import User
from sixfold.core.models import Region, Resident
from sixfold.party.coverage import coverage_report
from sixfold.party.demo import build_party_demo
from sixfold.party.models import (
    ChainLevel,
    GridPost,
    OrgKind,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
)

SMALL = ["--communities", "2", "--villages", "1"]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *SMALL, *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        # the grid posts the migration seeds (an earlier browser test's flush empties them)
        importlib.import_module("sixfold.party.migrations.0002_default_grid_posts").add_defaults(
            apps, None
        )
        output = seed("--seed", "5")
        yield output
        transaction.set_rollback(True)


def fingerprint() -> str:
    digest = hashlib.sha256()
    # Sorted here: two members of one household tie on any column order the database is given.
    members = PartyMember.objects.values_list(
        "code", "resident__code", "resident__name", "name", "standing", "joined_on", "elderly"
    )
    links = ResponsibilityLink.objects.values_list("code", "member__resident__id_number_hash")
    for row in sorted(map(repr, [*members, *links])):
        digest.update(row.encode())
    return digest.hexdigest()


@pytest.mark.django_db
class TestPartyDemo:
    def test_members_are_about_one_adult_in_twenty(self, demo):
        adults = sum(1 for r in Resident.objects.living() if r.age >= 18)
        members = PartyMember.objects.filter(resident__isnull=False).count()
        assert 0.04 <= members / adults <= 0.06, members / adults
        assert PartyMember.objects.filter(standing="probationary").exists()
        assert PartyMember.objects.filter(in_service=True).exclude(employer="").exists()
        # members live where the register says; none is a child
        assert not PartyMember.objects.filter(resident__birth_date__gt="2008-01-01").exists()

    def test_the_organisation_tree_mirrors_the_region_tree(self, demo):
        street = Region.objects.get(code="370116001")
        assert PartyOrganization.objects.get(region=street).kind == OrgKind.WORKING_COMMITTEE
        communities = Region.objects.filter(level__in=["community", "village"])
        assert PartyOrganization.objects.filter(region__in=communities).count() == 3
        report = coverage_report(street)
        orgs = {row.level: row for row in report.organisations}
        assert orgs[ChainLevel.GRID].uncovered == 1  # the one deliberate grid without a branch
        assert 0 < orgs[ChainLevel.BUILDING].uncovered <= 5
        # every member belongs to a branch or committee, and a group under it
        for member in PartyMember.objects.select_related("organization", "group"):
            assert member.organization.kind != OrgKind.BUILDING_GROUP
            assert member.group is None or member.group.code.startswith(member.organization.code)
        secretaries = PartyPost.objects.filter(post="secretary").count()
        assert secretaries == PartyOrganization.objects.exclude(kind=OrgKind.BUILDING_GROUP).count()

    def test_the_chain_is_nearly_complete_with_a_few_gaps(self, demo):
        report = coverage_report(Region.objects.get(code="370116001"))
        chain = {row.level: row for row in report.chain}
        assert chain[ChainLevel.COMMUNITY].uncovered == 0
        assert chain[ChainLevel.GRID].uncovered == 1
        for level in (ChainLevel.BUILDING, ChainLevel.UNIT, ChainLevel.HOUSEHOLD):
            assert chain[level].uncovered > 0, level
            assert chain[level].percent >= 90, level
        assert 0 < report.overloaded_count <= 5
        assert report.posts.uncovered >= 1  # a grid still looking for its safety officer
        assert GridPost.objects.filter(kind__slug="grid_leader").count() == report.posts.nodes
        # links point at members of the node's community
        for link in ResponsibilityLink.objects.select_related("member")[:500]:
            assert link.member.code.startswith(link.code[:12])

    def test_demo_logins(self, demo):
        assert "member_01" in demo and "branch_01_01" in demo
        request = RequestFactory().post("/accounts/login/")
        for username in ("secretary_01", "member_01", "branch_01_01"):
            assert authenticate(request, username=username, password="sixfold-demo")
        secretary = User.objects.get(username="secretary_01").party_member
        assert secretary.display_name == "亓秀梅"
        assert secretary.posts.get().post == "secretary"
        assert secretary.links.get().code == "370116001001"
        member_user = User.objects.get(username="member_01")
        member = member_user.party_member
        assert member.code == "370116001001-G01" and member.resident.code.startswith(member.code)
        assert 5 <= member.links.filter(level="household").count() <= 15
        assert member_user.role_codes() == {"party_member"}
        branch = User.objects.get(username="branch_01_01")
        assert branch.role_codes() == {"branch_secretary"}
        assert branch.party_member.links.filter(code="370116001001-G01").exists()

    def test_the_same_seed_gives_the_same_organisation(self, demo):
        first = fingerprint()
        with transaction.atomic():
            # The pillar's own records that hang on members (check-ups, dual reporting) go first.
            for label in ("dualreport", "checkup"):
                for model in reversed(list(django_apps.get_app_config(label).get_models())):
                    model.objects.all().delete()
            for model in (ResponsibilityLink, GridPost, PartyPost, PartyMember):
                model.objects.all().delete()
            PartyOrganization.objects.all().delete()
            User.objects.filter(username__in=["member_01", "branch_01_01"]).delete()
            build_party_demo(seed=5)
            assert fingerprint() == first
            transaction.set_rollback(True)
