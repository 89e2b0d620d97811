"""Every change to the party registers goes through these functions (S1, S2, S26).

Each one is atomic, checks that the actor holds the party permission over the node concerned,
validates its input (raising `ValidationError` with field messages and stable codes), and writes
its audit event in the same transaction. Pages, the API, the demo builder and the admin call these.

Permissions (granted per role in `sixfold.accounts.roles`):
* `party.view` — organisations, members, the chain, grid posts and the audit in scope;
* `party.manage` — organisations, members, transfers, posts in the party, member logins;
* `party.assign` — the responsibility chain and the grid posts;
* `party.configure` — the list of grid posts and which are required (street-wide);
* `party.own` — a member's own records.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext as _

from sixfold.core import events, pii
from sixfold.core.actions import PHONE_PATTERN, ensure_perm, normalize_phone
from sixfold.core.lookups import Unindexed
from sixfold.core.models import AuditEvent, Level, Region, Resident
from sixfold.core.models.region import CODE_LENGTH

from .models import (
    KINDS_BY_LEVEL,
    ChainLevel,
    GridPost,
    GridPostKind,
    MemberTransfer,
    OrgKind,
    PartyMember,
    PartyOrganization,
    PartyPost,
    ResponsibilityLink,
    chain_level_of,
)

VIEW = "party.view"
MANAGE = "party.manage"
ASSIGN = "party.assign"
CONFIGURE = "party.configure"
OWN = "party.own"

COMMUNITY_LENGTH = CODE_LENGTH[Level.COMMUNITY]
MEMBER_ROLE = "party_member"
ADULT_AGE = 18
# The Communist Party of China was founded on 1 July 1921: no member joined before.
PARTY_FOUNDED = dt.date(1921, 7, 1)


def community_code(code: str) -> str:
    """The community (or village) a code lies in; the code itself above that level."""
    return code[:COMMUNITY_LENGTH]


def _error(field: str | None, message: str, code: str) -> ValidationError:
    if field is None:
        return ValidationError(message, code=code)
    return ValidationError({field: ValidationError(message, code=code)})


def _text(data: dict, field: str, max_length: int, *, required_message: str | None = None) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required_message and not value:
        raise _error(field, required_message, "required")
    if len(value) > max_length:
        raise _error(
            field,
            _("Too long (at most %(max)s characters).") % {"max": max_length},
            "max_length",
        )
    return value


def _date(data: dict, field: str, *, required: bool = False) -> dt.date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise _error(field, _("Please enter a date."), "required")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise _error(field, _("Enter a valid date."), "invalid") from None
    if value > timezone.localdate() + dt.timedelta(days=3660):
        raise _error(field, _("Enter a valid date."), "invalid")
    return value


def _past_date(data: dict, field: str, *, required: bool = False) -> dt.date | None:
    value = _date(data, field, required=required)
    if value is not None and value > timezone.localdate():
        raise _error(field, _("The date cannot be in the future."), "future")
    return value


# --- organisations (S1) -----------------------------------------------------------------------------
def default_org_name(region: Region, kind: str) -> str:
    parent = region.parent.name if region.parent_id else ""
    return org_name(region.level, region.name, parent, kind)


def org_name(level: str, name: str, parent_name: str, kind: str) -> str:
    """The usual name: 凤城社区党委, 凤城社区第一网格党支部, 第一网格3号楼党小组."""
    suffix = {
        OrgKind.WORKING_COMMITTEE: "党工委",
        OrgKind.COMMITTEE: "党委",
        OrgKind.GENERAL_BRANCH: "党总支",
        OrgKind.BRANCH: "党支部",
        OrgKind.GRID_BRANCH: "党支部",
        OrgKind.BUILDING_GROUP: "党小组",
    }[OrgKind(kind)]
    if level in (Level.GRID, Level.BUILDING):
        return f"{parent_name}{name}{suffix}"
    return f"{name}{suffix}"


def _clean_org(region: Region, data: dict) -> dict:
    allowed = KINDS_BY_LEVEL.get(region.level)
    if not allowed:
        raise _error(
            "region",
            _("A %(level)s has no party organisation of its own.")
            % {"level": region.get_level_display()},
            "bad_level",
        )
    kind = data.get("kind") or allowed[0]
    if kind not in allowed:
        raise _error(
            "kind",
            _("A %(level)s can have: %(kinds)s.")
            % {
                "level": region.get_level_display(),
                "kinds": "、".join(str(OrgKind(k).label) for k in allowed),
            },
            "bad_kind",
        )
    name = _text(data, "name", 100) or default_org_name(region, kind)
    cleaned = {
        "kind": kind,
        "name": name,
        "founded_on": _past_date(data, "founded_on"),
        "term_start": _date(data, "term_start"),
        "term_end": _date(data, "term_end"),
        "note": _text(data, "note", 2000),
    }
    if (
        cleaned["term_start"]
        and cleaned["term_end"]
        and cleaned["term_end"] < cleaned["term_start"]
    ):
        raise _error("term_end", _("The term cannot end before it starts."), "term_order")
    return cleaned


@transaction.atomic
def create_organization(region: Region, data: dict, *, by) -> PartyOrganization:
    ensure_perm(by, MANAGE, region.code)
    cleaned = _clean_org(region, data)
    taken = _("This node already has a party organisation.")
    if PartyOrganization.objects.filter(region=region).exists():
        raise _error("region", taken, "taken")
    org = PartyOrganization(region=region, code=region.code, level=region.level, **cleaned)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:  # created by a concurrent request since the check above
        raise _error("region", taken, "taken") from None
    events.record(AuditEvent.Verb.CREATE, by=by, obj=org, after=events.snapshot(org))
    return org


@transaction.atomic
def change_organization(org: PartyOrganization, data: dict, *, by) -> PartyOrganization:
    ensure_perm(by, MANAGE, org.code)
    org = (
        PartyOrganization.objects.select_for_update(of=("self",))
        .select_related("region")
        .get(pk=org.pk)
    )
    merged = {
        "kind": org.kind,
        "name": org.name,
        "founded_on": org.founded_on,
        "term_start": org.term_start,
        "term_end": org.term_end,
        "note": org.note,
        **data,
    }
    cleaned = _clean_org(org.region, merged)
    if cleaned["kind"] == OrgKind.BUILDING_GROUP or org.kind == OrgKind.BUILDING_GROUP:
        cleaned["kind"] = org.kind  # a group stays a group: its level decides
    before = events.snapshot(org)
    for field, value in cleaned.items():
        setattr(org, field, value)
    after = events.snapshot(org)
    if after != before:
        org.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=org, before=before, after=after)
    return org


@transaction.atomic
def dissolve_organization(org: PartyOrganization, *, by) -> None:
    ensure_perm(by, MANAGE, org.code)
    if org.members.exists() or org.group_members.exists():
        raise _error(
            None,
            _("Transfer the organisation's members before dissolving it."),
            "has_members",
        )
    if org.posts.exists():
        raise _error(None, _("End the organisation's posts before dissolving it."), "has_posts")
    events.record(AuditEvent.Verb.DELETE, by=by, obj=org, before=events.snapshot(org))
    org.delete()


# --- members ---------------------------------------------------------------------------------------
MEMBER_FLAGS = ("in_service", "elderly", "in_difficulty", "mobile")


def _check_group(organization: PartyOrganization, group) -> None:
    if group is None:
        return
    if group.kind != OrgKind.BUILDING_GROUP or not group.code.startswith(organization.code):
        raise _error(
            "group",
            _("Choose a building party group under the member's organisation."),
            "bad_group",
        )


def _clean_member(data: dict, *, organization, resident, instance=None) -> dict:
    """Check a member's fields together; return what to set, or raise field errors."""
    errors: dict[str, list[ValidationError]] = {}

    def fail(field, message, code):
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    cleaned: dict = {}
    if resident is None:
        try:
            cleaned["name"] = _text(
                data, "name", 50, required_message=_("Enter the name, or choose a resident.")
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
        gender = data.get("gender") or ""
        if gender and gender not in Resident.Gender.values:
            fail("gender", _("Please choose a valid option."), "invalid_choice")
        cleaned["gender"] = gender
        if "phone" in data:
            phone = normalize_phone(data.get("phone") or "")
            if phone and not PHONE_PATTERN.fullmatch(phone):
                fail(
                    "phone",
                    _("Enter an 11-digit mobile number or a landline such as 0531-12345678."),
                    "invalid",
                )
            cleaned["phone"] = phone
    else:
        if resident.status in (Resident.Status.MOVED_OUT, Resident.Status.DECEASED):
            fail("resident", _("This resident no longer lives in the street."), "not_living")
        elif resident.age < ADULT_AGE:
            fail("resident", _("A party member must be at least 18 years old."), "too_young")
        duplicate = PartyMember.objects.filter(resident=resident)
        if instance is not None:
            duplicate = duplicate.exclude(pk=instance.pk)
        if duplicate.exists():
            fail("resident", _("This resident is already registered as a member."), "taken")

    if organization.kind == OrgKind.BUILDING_GROUP:
        fail(
            "organization",
            _("Members belong to a branch or committee; a party group is chosen separately."),
            "bad_organization",
        )
    try:
        _check_group(organization, data.get("group"))
    except ValidationError as exc:
        errors.update(exc.error_dict)
    cleaned["group"] = data.get("group")

    standing = data.get("standing") or PartyMember.Standing.FULL
    if standing not in PartyMember.Standing.values:
        fail("standing", _("Please choose a valid option."), "invalid_choice")
    cleaned["standing"] = standing
    for field in ("joined_on", "full_on"):
        try:
            cleaned[field] = _past_date(data, field, required=field == "joined_on")
        except ValidationError as exc:
            errors.update(exc.error_dict)
    joined, full = cleaned.get("joined_on"), cleaned.get("full_on")
    if joined and joined < PARTY_FOUNDED:
        fail(
            "joined_on",
            _("The party was founded on 1 July 1921: nobody joined it earlier."),
            "before_founding",
        )
    if standing == PartyMember.Standing.PROBATIONARY and full:
        fail("full_on", _("A probationary member has no full-membership date yet."), "probation")
    if joined and full and full < joined:
        fail("full_on", _("Full membership cannot come before joining."), "date_order")
    if joined and resident is not None:
        adult = resident.birth_date.replace(year=resident.birth_date.year + ADULT_AGE)
        if joined < adult:
            fail("joined_on", _("A member joins the party at 18 or older."), "too_young")
    for flag in MEMBER_FLAGS:
        cleaned[flag] = bool(data.get(flag))
    for field, length in (("employer", 100), ("note", 2000)):
        try:
            cleaned[field] = _text(data, field, length)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _apply_member(member: PartyMember, cleaned: dict) -> None:
    for field, value in cleaned.items():
        if field == "phone":
            member.phone_enc = pii.encrypt(value)
            member.phone_hash = pii.lookup_hash(value)
            member.phone_masked = pii.mask_phone(value)
        else:
            setattr(member, field, value)


def _member_state(member: PartyMember) -> dict:
    state = events.snapshot(member)
    state["name"] = member.display_name
    return state


@transaction.atomic
def create_member(organization: PartyOrganization, data: dict, *, by) -> PartyMember:
    """Register a member with an organisation: a resident of the register, or a named person."""
    ensure_perm(by, MANAGE, organization.code)
    resident = data.get("resident")
    if resident is not None:
        ensure_perm(by, "registry.view", resident.code)
    cleaned = _clean_member(data, organization=organization, resident=resident)
    member = PartyMember(organization=organization, code=organization.code, resident=resident)
    _apply_member(member, cleaned)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:  # the resident was registered by a concurrent request
        raise _error(
            "resident", _("This resident is already registered as a member."), "taken"
        ) from None
    events.record(AuditEvent.Verb.CREATE, by=by, obj=member, after=_member_state(member))
    came_from = _text(data, "transferred_from", 100)
    if came_from:
        # A member whose relationship moves in from elsewhere: the move is on record from day one.
        transfer = MemberTransfer.objects.create(
            member=member,
            to_organization=organization,
            from_name=came_from,
            to_name=organization.name,
            to_code=organization.code,
            on=_past_date(data, "transferred_on") or timezone.localdate(),
            reason=_text(data, "transfer_reason", 200),
        )
        events.record(
            AuditEvent.Verb.CREATE,
            by=by,
            obj=transfer,
            scope_code=organization.code,
            after=events.snapshot(transfer),
        )
    return member


@transaction.atomic
def change_member(member: PartyMember, data: dict, *, by) -> PartyMember:
    ensure_perm(by, MANAGE, member.code)
    member = (
        PartyMember.objects.select_for_update(of=("self",))
        .select_related("organization", "resident")
        .get(pk=member.pk)
    )
    if member.status != PartyMember.Status.ACTIVE:
        raise _error(None, _("Only an active member's record can be changed."), "not_active")
    merged = {
        "name": member.name,
        "gender": member.gender,
        "group": member.group,
        "standing": member.standing,
        "joined_on": member.joined_on,
        "full_on": member.full_on,
        "employer": member.employer,
        "note": member.note,
        **{flag: getattr(member, flag) for flag in MEMBER_FLAGS},
        **data,
    }
    if not merged.get("phone"):
        merged.pop("phone", None)  # blank or absent keeps the stored phone
    cleaned = _clean_member(
        merged, organization=member.organization, resident=member.resident, instance=member
    )
    before = _member_state(member)
    _apply_member(member, cleaned)
    after = _member_state(member)
    if after != before:
        member.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=member, before=before, after=after)
    return member


def _end_outside(member: PartyMember, keep_prefix: str | None, by) -> None:
    """End the member's posts and chain links outside `keep_prefix` (all of them for None)."""
    posts = PartyPost.objects.filter(member=member)
    links = ResponsibilityLink.objects.filter(member=member)
    grid_posts = GridPost.objects.filter(member=member)
    if keep_prefix:
        posts = posts.exclude(code__prefix=keep_prefix)
        links = links.exclude(code__prefix=keep_prefix)
        grid_posts = grid_posts.exclude(code__prefix=keep_prefix)
    for row in [*posts, *links, *grid_posts]:
        events.record(AuditEvent.Verb.DELETE, by=by, obj=row, before=events.snapshot(row))
        row.delete()


def _revoke_member_logins(member: PartyMember, by) -> None:
    from sixfold.accounts.actions import revoke_role
    from sixfold.accounts.models import RoleAssignment

    if member.user_id:
        for assignment in RoleAssignment.objects.filter(user_id=member.user_id, role=MEMBER_ROLE):
            revoke_role(assignment, by=by)


@transaction.atomic
def transfer_member(
    member: PartyMember,
    *,
    on,
    by,
    to_organization: PartyOrganization | None = None,
    to_name: str = "",
    reason: str = "",
) -> MemberTransfer:
    """Move a member's organisational relationship (组织关系转接) within the street or out of it.

    Posts and chain links the member holds outside the new organisation's community end with the
    move; a move out of the street ends all of them and the member's login role.
    """
    ensure_perm(by, MANAGE, member.code)
    member = (
        PartyMember.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=member.pk)
    )
    if member.status != PartyMember.Status.ACTIVE:
        raise _error(None, _("Only an active member can be transferred."), "not_active")
    on = _past_date({"on": on}, "on", required=True)
    if on < member.joined_on:
        raise _error(
            "on", _("A transfer cannot come before the member joined the party."), "before_joining"
        )
    reason = _text({"reason": reason}, "reason", 200)
    source = member.organization
    if to_organization is None:
        to_name = _text(
            {"to_name": to_name},
            "to_name",
            100,
            required_message=_("Choose an organisation, or name the one outside the street."),
        )
    else:
        ensure_perm(by, MANAGE, to_organization.code)
        if to_organization.pk == source.pk:
            raise _error(
                "to_organization", _("The member already belongs here."), "same_organization"
            )
        if to_organization.kind == OrgKind.BUILDING_GROUP:
            raise _error(
                "to_organization",
                _("Members belong to a branch or committee; a party group is chosen separately."),
                "bad_organization",
            )
        to_name = to_organization.name
    before = _member_state(member)
    transfer = MemberTransfer.objects.create(
        member=member,
        from_organization=source,
        to_organization=to_organization,
        from_name=source.name,
        to_name=to_name,
        from_code=source.code,
        to_code=to_organization.code if to_organization else "",
        on=on,
        reason=reason,
    )
    if to_organization is None:
        member.status = PartyMember.Status.TRANSFERRED_OUT
        _end_outside(member, None, by)
        _revoke_member_logins(member, by)
    else:
        member.organization = to_organization
        member.code = to_organization.code
        if member.group_id and not member.group.code.startswith(to_organization.code):
            member.group = None
        _end_outside(member, community_code(to_organization.code), by)
    member.save()
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=member,
        before=before,
        after=_member_state(member),
        purpose=_("Transfer: %(from)s → %(to)s") % {"from": source.name, "to": to_name},
    )
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=transfer,
        scope_code=source.code,
        after=events.snapshot(transfer),
    )
    return transfer


@transaction.atomic
def record_member_death(member: PartyMember, *, by) -> PartyMember:
    ensure_perm(by, MANAGE, member.code)
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if member.status != PartyMember.Status.ACTIVE:
        raise _error(None, _("Only an active member's record can be changed."), "not_active")
    before = _member_state(member)
    member.status = PartyMember.Status.DECEASED
    _end_outside(member, None, by)
    _revoke_member_logins(member, by)
    member.save()
    events.record(
        AuditEvent.Verb.CHANGE, by=by, obj=member, before=before, after=_member_state(member)
    )
    return member


@transaction.atomic
def create_member_login(member: PartyMember, username: str, password: str, *, by):
    """A login for a member: role `party_member` over the member's community (own records)."""
    from sixfold.accounts.actions import grant_role

    ensure_perm(by, MANAGE, member.code)
    member = PartyMember.objects.select_for_update().get(pk=member.pk)
    if member.status != PartyMember.Status.ACTIVE:
        raise _error(None, _("Only an active member can have a login."), "not_active")
    if member.user_id:
        raise _error(None, _("This member already has a login."), "has_login")
    User = get_user_model()
    username = _text(
        {"username": username}, "username", 150, required_message=_("Enter a username.")
    )
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}, code="invalid") from None
    if User.objects.filter(username__iexact=username).exists():
        raise _error("username", _("This username is taken."), "taken")
    user = User(username=username, display_name=member.display_name[:50])
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}, code="weak_password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _error("username", _("This username is taken."), "taken") from None
    grant_role(user, MEMBER_ROLE, Region.objects.get(code=community_code(member.code)), by=by)
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    events.record(
        AuditEvent.Verb.CHANGE,
        by=by,
        obj=member,
        before={"user": None},
        after={"user": user.get_username()},
    )
    return user


# --- posts in the party ---------------------------------------------------------------------------
HEAD_POSTS = (PartyPost.Post.SECRETARY, PartyPost.Post.GROUP_LEADER)


@transaction.atomic
def add_party_post(
    organization: PartyOrganization, member: PartyMember, post: str, *, by, since=None
) -> PartyPost:
    ensure_perm(by, MANAGE, organization.code)
    ensure_perm(by, VIEW, member.code)
    group = organization.kind == OrgKind.BUILDING_GROUP
    allowed = (
        [PartyPost.Post.GROUP_LEADER]
        if group
        else [p for p in PartyPost.Post.values if p != PartyPost.Post.GROUP_LEADER]
    )
    if post not in allowed:
        raise _error("post", _("This organisation has no such post."), "bad_post")
    if member.status != PartyMember.Status.ACTIVE:
        raise _error("member", _("Only an active member can hold a post."), "not_active")
    reach = organization.code if len(organization.code) < COMMUNITY_LENGTH else None
    if not member.code.startswith(reach or community_code(organization.code)):
        raise _error(
            "member",
            _("Choose a member of an organisation in the same community."),
            "other_community",
        )
    since = _past_date({"since": since}, "since")
    existing = PartyPost.objects.filter(organization=organization, post=post)
    if post in HEAD_POSTS and existing.exists():
        raise _error(
            "post",
            _("This post is held by %(name)s; end it first.")
            % {"name": existing.select_related("member__resident").first().member},
            "taken",
        )
    if existing.filter(member=member).exists():
        raise _error("member", _("The member already holds this post."), "taken")
    row = PartyPost(
        organization=organization, code=organization.code, member=member, post=post, since=since
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise _error("post", _("This post was filled meanwhile."), "taken") from None
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=row,
        after={**events.snapshot(row), "member_name": member.display_name},
    )
    return row


@transaction.atomic
def end_party_post(post: PartyPost, *, by) -> None:
    ensure_perm(by, MANAGE, post.code)
    events.record(
        AuditEvent.Verb.DELETE,
        by=by,
        obj=post,
        before={**events.snapshot(post), "member_name": post.member.display_name},
    )
    post.delete()


# --- the five-level responsibility chain (S2) -----------------------------------------------------
def _check_chain_member(region: Region, member: PartyMember, by) -> None:
    ensure_perm(by, VIEW, member.code)
    if member.status != PartyMember.Status.ACTIVE:
        raise _error("member", _("Only an active member can be responsible."), "not_active")
    if not member.code.startswith(community_code(region.code)):
        raise _error(
            "member",
            _("Choose a member of an organisation in the same community."),
            "other_community",
        )


def _taken_error(link: ResponsibilityLink) -> ValidationError:
    return _error(
        "member",
        _("%(name)s already answers for this node.") % {"name": link.member.display_name},
        "taken",
    )


@transaction.atomic
def assign_responsibility(
    region: Region,
    member: PartyMember,
    *,
    by,
    replace: bool = False,
    expected_member_id: int | None = None,
) -> ResponsibilityLink:
    """Put `member` in charge of `region` (one of the five levels).

    Without `replace`, a node someone already answers for is refused, so two people assigning
    the same household at once cannot overwrite each other: the first wins, the second is told
    who holds it. With `replace`, `expected_member_id` is the holder the actor saw; a different
    one means the node changed meanwhile and nothing is overwritten.
    """
    ensure_perm(by, ASSIGN, region.code)
    level = chain_level_of(region.level)
    if level is None:
        raise _error(
            "region",
            _("A %(level)s is not a level of the responsibility chain.")
            % {"level": region.get_level_display()},
            "bad_level",
        )
    _check_chain_member(region, member, by)
    # Lock the node so concurrent assignments of it queue here (PostgreSQL); the unique link per
    # node refuses the loser everywhere.
    Region.objects.select_for_update().filter(pk=region.pk).first()
    existing = ResponsibilityLink.objects.select_related("member__resident").filter(region=region)
    existing = existing.first()
    if existing is not None:
        if existing.member_id == member.pk:
            return existing
        if not replace:
            raise _taken_error(existing)
        if expected_member_id is not None and existing.member_id != expected_member_id:
            raise _error(
                "member",
                _("Someone else changed this node meanwhile; it is now held by %(name)s.")
                % {"name": existing.member.display_name},
                "changed",
            )
        before = {**events.snapshot(existing), "member_name": existing.member.display_name}
        existing.member = member
        existing.save(update_fields=["member", "updated_at"])
        events.record(
            AuditEvent.Verb.CHANGE,
            by=by,
            obj=existing,
            before=before,
            after={**events.snapshot(existing), "member_name": member.display_name},
        )
        return existing
    if replace and expected_member_id is not None:
        raise _error(
            "member",
            _("Someone else changed this node meanwhile; it is now uncovered."),
            "changed",
        )
    link = ResponsibilityLink(region=region, code=region.code, level=level, member=member)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        holder = ResponsibilityLink.objects.select_related("member__resident").get(region=region)
        raise _taken_error(holder) from None
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=link,
        after={**events.snapshot(link), "member_name": member.display_name},
    )
    return link


@transaction.atomic
def unassign_responsibility(link: ResponsibilityLink, *, by, expected_member_id=None) -> None:
    ensure_perm(by, ASSIGN, link.code)
    current = ResponsibilityLink.objects.select_for_update().filter(pk=link.pk).first()
    if current is None or (
        expected_member_id is not None and current.member_id != expected_member_id
    ):
        raise _error(None, _("Someone else changed this node meanwhile."), "changed")
    events.record(
        AuditEvent.Verb.DELETE,
        by=by,
        obj=current,
        before={**events.snapshot(current), "member_name": current.member.display_name},
    )
    current.delete()


# Which levels a bulk assignment may fill under a node of each level.
BULK_LEVELS = {
    Level.COMMUNITY: (ChainLevel.GRID, ChainLevel.BUILDING, ChainLevel.UNIT, ChainLevel.HOUSEHOLD),
    Level.VILLAGE: (ChainLevel.GRID, ChainLevel.BUILDING, ChainLevel.UNIT, ChainLevel.HOUSEHOLD),
    Level.GRID: (ChainLevel.BUILDING, ChainLevel.UNIT, ChainLevel.HOUSEHOLD),
    Level.BUILDING: (ChainLevel.UNIT, ChainLevel.HOUSEHOLD),
    Level.UNIT: (ChainLevel.HOUSEHOLD,),
}


def uncovered_nodes(scope_code: str, level: str):
    """Nodes of a chain level under `scope_code` that nobody answers for, in code order."""
    region_levels = (Level.COMMUNITY, Level.VILLAGE) if level == ChainLevel.COMMUNITY else (level,)
    return (
        Region.objects.within(scope_code)
        .filter(In(Unindexed("level"), region_levels))
        .filter(~Exists(ResponsibilityLink.objects.filter(region_id=OuterRef("pk"))))
        .order_by("code")
    )


def split_evenly(items: list, parts: int) -> list[list]:
    """`items` in `parts` consecutive runs whose sizes differ by at most one (neighbours stay
    together: a member contacts the households of one stairwell, not every tenth one)."""
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


@transaction.atomic
def assign_in_bulk(scope: Region, level: str, members: list[PartyMember], *, by) -> int:
    """Give every uncovered node of `level` under `scope` a responsible member, sharing them out
    among `members` in consecutive runs. Returns how many nodes were assigned."""
    ensure_perm(by, ASSIGN, scope.code)
    if level not in BULK_LEVELS.get(scope.level, ()):
        raise _error("level", _("Choose a level below this node."), "bad_level")
    members = list(dict.fromkeys(members))
    if not members:
        raise _error("members", _("Choose at least one member."), "required")
    for member in members:
        try:
            _check_chain_member(scope, member, by)
        except ValidationError as exc:
            raise ValidationError(
                {"members": [f"{member.display_name}: {m}" for m in exc.messages]},
                code="bad_member",
            ) from None
    nodes = list(uncovered_nodes(scope.code, level).only("pk", "code"))
    links = []
    for member, run in zip(members, split_evenly(nodes, len(members)), strict=True):
        links += [
            ResponsibilityLink(region_id=node.pk, code=node.code, level=level, member=member)
            for node in run
        ]
    try:
        with transaction.atomic():
            ResponsibilityLink.objects.bulk_create(links, batch_size=1000)
    except IntegrityError:
        raise _error(
            None,
            _("Some of these nodes were assigned meanwhile; reload the page and try again."),
            "changed",
        ) from None
    names = {member.pk: member.display_name for member in members}
    for link in links:
        events.record(
            AuditEvent.Verb.CREATE,
            by=by,
            object_type=ResponsibilityLink._meta.label_lower,
            object_id=str(link.pk or ""),
            object_repr=f"{link.code} · {names[link.member_id]}",
            scope_code=link.code,
            after={
                "code": link.code,
                "level": link.level,
                "member": link.member_id,
                "member_name": names[link.member_id],
            },
            purpose=_("Bulk assignment under %(node)s") % {"node": scope.name},
        )
    return len(links)


# --- grid posts (S26) ------------------------------------------------------------------------------
def _ensure_configurer(by) -> None:
    if by is None:
        return
    if not getattr(by, "is_authenticated", False) or not (
        by.is_superuser or by.holds_perm(CONFIGURE)
    ):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _clean_post_kind(data: dict, instance: GridPostKind | None = None) -> dict:
    name = _text(data, "name", 50, required_message=_("Please enter the name."))
    clash = GridPostKind.objects.filter(name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise _error("name", _("A post with this name exists."), "taken")
    order = data.get("order")
    try:
        order = int(order) if order not in (None, "") else 0
    except (TypeError, ValueError):
        raise _error("order", _("Enter a whole number."), "invalid") from None
    if not 0 <= order <= 999:
        raise _error("order", _("The number must be between 0 and 999."), "invalid")
    return {
        "name": name,
        "required": bool(data.get("required")),
        "active": bool(data.get("active", True)),
        "order": order,
    }


@transaction.atomic
def create_post_kind(data: dict, *, by) -> GridPostKind:
    _ensure_configurer(by)
    cleaned = _clean_post_kind(data)
    slug = f"post-{GridPostKind.objects.count() + 1}"
    while GridPostKind.objects.filter(slug=slug).exists():
        slug += "x"
    kind = GridPostKind.objects.create(slug=slug, **cleaned)
    events.record(AuditEvent.Verb.CREATE, by=by, obj=kind, after=events.snapshot(kind))
    return kind


@transaction.atomic
def change_post_kind(kind: GridPostKind, data: dict, *, by) -> GridPostKind:
    _ensure_configurer(by)
    kind = GridPostKind.objects.select_for_update().get(pk=kind.pk)
    merged = {
        "name": kind.name,
        "required": kind.required,
        "active": kind.active,
        "order": kind.order,
        **data,
    }
    cleaned = _clean_post_kind(merged, instance=kind)
    before = events.snapshot(kind)
    for field, value in cleaned.items():
        setattr(kind, field, value)
    after = events.snapshot(kind)
    if after != before:
        kind.save()
        events.record(AuditEvent.Verb.CHANGE, by=by, obj=kind, before=before, after=after)
    return kind


@transaction.atomic
def fill_grid_post(
    grid: Region,
    kind: GridPostKind,
    *,
    by,
    member: PartyMember | None = None,
    resident: Resident | None = None,
    name: str = "",
    since=None,
) -> GridPost:
    """Name who holds `kind` in `grid`: a member, a resident, or (staff from outside) a name.
    A post someone holds is refused; vacate it first."""
    ensure_perm(by, ASSIGN, grid.code)
    if grid.level != Level.GRID:
        raise _error("grid", _("Posts belong to a grid."), "bad_level")
    if not kind.active:
        raise _error("kind", _("This post is no longer in use."), "inactive")
    name = _text({"name": name}, "name", 50)
    given = [h for h in (member, resident, name) if h]
    if len(given) != 1:
        raise _error(
            "holder",
            _("Choose a member or a resident, or enter the name of someone from outside."),
            "holder",
        )
    if member is not None:
        _check_chain_member(grid, member, by)
    if resident is not None:
        ensure_perm(by, "registry.view", resident.code)
        if resident.status in (Resident.Status.MOVED_OUT, Resident.Status.DECEASED):
            raise _error(
                "resident", _("This resident no longer lives in the street."), "not_living"
            )
    since = _past_date({"since": since}, "since")
    existing = GridPost.objects.filter(grid=grid, kind=kind).first()
    taken = _("This post is held by %(name)s; vacate it first.")
    if existing is not None:
        raise _error("kind", taken % {"name": existing.holder_name}, "taken")
    post = GridPost(
        grid=grid,
        code=grid.code,
        kind=kind,
        member=member,
        resident=resident,
        name=name,
        since=since,
    )
    try:
        with transaction.atomic():
            post.save()
    except IntegrityError:
        holder = GridPost.objects.get(grid=grid, kind=kind)
        raise _error("kind", taken % {"name": holder.holder_name}, "taken") from None
    events.record(
        AuditEvent.Verb.CREATE,
        by=by,
        obj=post,
        after={**events.snapshot(post), "holder": post.holder_name},
    )
    return post


@transaction.atomic
def vacate_grid_post(post: GridPost, *, by) -> None:
    ensure_perm(by, ASSIGN, post.code)
    events.record(
        AuditEvent.Verb.DELETE,
        by=by,
        obj=post,
        before={**events.snapshot(post), "holder": post.holder_name},
    )
    post.delete()


# --- exports -------------------------------------------------------------------------------------
@transaction.atomic
def record_export(what: str, *, scope_code: str, by, filters: dict | None = None) -> None:
    """Who took which party list out of the system (the lists carry personal data, masked)."""
    events.record(
        AuditEvent.Verb.EXPORT,
        by=by,
        object_type="party.export",
        object_repr=what,
        scope_code=scope_code,
        after=filters or None,
    )
