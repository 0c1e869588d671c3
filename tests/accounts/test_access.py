"""The access chokepoints: visible_to, get_<model>_for, declared view policies and their enforcement."""

import pytest
from django.contrib.auth.models import Group
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils.html import escape

from accounts.access import ActionDenied, NotVisible, signed_in
from accounts.grants import grant_object_permission, revoke_object_permission
from audit.choices import AuditAction, Outcome
from config import urls as project_urls
from referrals.models import Referral
from referrals.permissions import VIEW_REFERRAL
from referrals.selectors import get_referral_for
from tests.factories import make_referral, make_user
from tests.helpers import assert_audited


@pytest.fixture
def referrals(db):
    return [make_referral() for _ in range(3)]


def test_role_wide_permission_sees_every_referral(intake, director, chief, referrals):
    for user in (intake, director, chief):
        assert set(Referral.objects.visible_to(user)) == set(referrals)


def test_investigator_sees_only_referrals_granted_to_them(lead_investigator, other_investigator, referrals):
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referrals[1], actor=None)
    assert list(Referral.objects.visible_to(lead_investigator)) == [referrals[1]]
    assert not Referral.objects.visible_to(other_investigator).exists()


def test_group_object_grant_gives_visibility_to_its_members(other_investigator, referrals):
    from guardian.shortcuts import assign_perm

    team = Group.objects.create(name="team-for-test")
    other_investigator.groups.add(team)
    assign_perm(VIEW_REFERRAL, team, referrals[2])
    assert list(Referral.objects.visible_to(other_investigator)) == [referrals[2]]


def test_visible_to_answers_exactly_as_guardian_does(lead_investigator, other_investigator, auditor, referrals):
    """The hand-written permission subquery against guardian's own shortcut, for every kind of grant."""
    from guardian.shortcuts import assign_perm, get_objects_for_user

    team = Group.objects.create(name="team-for-test")
    other_investigator.groups.add(team)
    assign_perm(VIEW_REFERRAL, lead_investigator, referrals[0])
    assign_perm("referrals.change_referral", lead_investigator, referrals[1])  # another permission: not "view"
    assign_perm(VIEW_REFERRAL, team, referrals[2])
    assign_perm(VIEW_REFERRAL, other_investigator, referrals[0])
    for user in (lead_investigator, other_investigator, auditor):
        for action in ("view", "change"):
            expected = get_objects_for_user(user, "referrals.%s_referral" % action, klass=Referral)
            assert set(Referral.objects.visible_to(user, action)) == set(expected), (user, action)
    assert set(Referral.objects.visible_to(other_investigator)) == {referrals[0], referrals[2]}


def test_grant_and_revoke_are_audited_and_revocation_is_immediate(director, lead_investigator, referrals):
    referral = referrals[0]
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referral, actor=director)
    grant = assert_audited(AuditAction.PERMISSION_GRANTED, actor=director, target_ref=referral.reference)
    assert grant.detail == {"user": lead_investigator.username, "permission": VIEW_REFERRAL}
    assert get_referral_for(lead_investigator, referral.reference) == referral

    revoke_object_permission(lead_investigator, VIEW_REFERRAL, referral, actor=director)
    assert_audited(AuditAction.PERMISSION_REVOKED, actor=director, target_ref=referral.reference)
    with pytest.raises(NotVisible):
        get_referral_for(lead_investigator, referral.reference)


def test_auditor_admin_anonymous_and_inactive_users_see_no_referrals(auditor, admin_user, referrals):
    from django.contrib.auth.models import AnonymousUser

    disabled = make_user("disabled_director")
    disabled.groups.add(Group.objects.get(name="director"))
    disabled.is_active = False
    disabled.save()
    for user in (auditor, admin_user, AnonymousUser(), disabled, None):
        assert not Referral.objects.visible_to(user).exists()


def test_visible_to_is_one_query_with_subqueries(django_assert_num_queries, lead_investigator, referrals):
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referrals[0], actor=None)
    lead_investigator = type(lead_investigator).objects.get(pk=lead_investigator.pk)
    with django_assert_num_queries(3):  # the user's model permissions (two, then cached) and the list
        list(Referral.objects.visible_to(lead_investigator))
    with django_assert_num_queries(1):
        list(Referral.objects.visible_to(lead_investigator))


def test_get_for_answers_404_for_invisible_and_missing_alike(other_investigator, referrals):
    with pytest.raises(NotVisible):
        get_referral_for(other_investigator, referrals[0].reference)
    with pytest.raises(NotVisible):
        get_referral_for(other_investigator, "REF-2026-424242")


def test_get_for_answers_403_for_visible_object_without_the_action(lead_investigator, referrals):
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referrals[0], actor=None)
    with pytest.raises(ActionDenied):
        get_referral_for(lead_investigator, referrals[0].reference, action="change")


def test_get_for_allows_an_action_granted_on_the_object(lead_investigator, referrals):
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referrals[0], actor=None)
    grant_object_permission(lead_investigator, "referrals.change_referral", referrals[0], actor=None)
    assert get_referral_for(lead_investigator, referrals[0].reference, action="change") == referrals[0]


def test_denied_object_access_is_audited_with_its_target(client, other_investigator, case_referral):
    client.force_login(other_investigator)
    response = client.get(case_referral.get_absolute_url())
    assert response.status_code == 404
    event = assert_audited(
        AuditAction.ACCESS_DENIED,
        actor=other_investigator,
        target_ref=case_referral.reference,
        outcome=Outcome.DENIED,
        request_id=response["X-Request-ID"],
    )
    assert event.detail["url_name"] == "referrals:detail"
    assert event.detail["reason"] == "not visible for view"


def test_denied_model_permission_is_audited(client, intake):
    client.force_login(intake)
    response = client.get("/audit/")
    assert response.status_code == 403
    event = assert_audited(AuditAction.ACCESS_DENIED, actor=intake, request_id=response["X-Request-ID"])
    assert event.detail["reason"] == "permission audit.view_auditevent"


def test_viewing_a_referral_is_audited(client, lead_investigator, case_referral):
    client.force_login(lead_investigator)
    response = client.get(case_referral.get_absolute_url())
    assert response.status_code == 200
    assert escape(case_referral.description) in response.content.decode()
    assert_audited(AuditAction.REFERRAL_VIEWED, actor=lead_investigator, target_ref=case_referral.reference)


def undeclared_view(request):
    return HttpResponse("should never be served")


urlpatterns = [
    path("undeclared/", undeclared_view, name="undeclared"),
    path("declared/", signed_in(lambda request: HttpResponse("ok")), name="declared"),
    *project_urls.urlpatterns,
]


@override_settings(ROOT_URLCONF=__name__)
def test_view_without_declared_policy_fails_the_system_check():
    errors = [error for error in run_checks() if error.id == "accounts.E001"]
    assert len(errors) == 1
    assert "undeclared/" in errors[0].msg


@override_settings(ROOT_URLCONF=__name__)
def test_view_without_declared_policy_is_never_served(client, intake):
    client.force_login(intake)
    with pytest.raises(ImproperlyConfigured, match="declares no access policy"):
        client.get("/undeclared/")
    assert client.get("/declared/").status_code == 200


def test_project_urls_pass_the_policy_check():
    assert not [error for error in run_checks() if error.id == "accounts.E001"]


def test_object_permission_checks_are_cached_per_user_object(django_assert_max_num_queries, lead_investigator):
    referral = make_referral()
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referral, actor=None)
    user = type(lead_investigator).objects.get(pk=lead_investigator.pk)
    with django_assert_max_num_queries(2):
        for _ in range(10):
            assert user.has_perm(VIEW_REFERRAL, referral)
            assert not user.has_perm("referrals.change_referral", referral)


def test_a_revocation_is_seen_by_the_same_user_object_after_the_service(lead_investigator, director):
    referral = make_referral()
    grant_object_permission(lead_investigator, VIEW_REFERRAL, referral, actor=director)
    assert lead_investigator.has_perm(VIEW_REFERRAL, referral)
    revoke_object_permission(lead_investigator, VIEW_REFERRAL, referral, actor=director)
    assert not lead_investigator.has_perm(VIEW_REFERRAL, referral)
