"""The team: need-to-know access granted and revoked with membership, conflicts of interest, leavers."""

from typing import cast

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.grants import (
    grant_object_permission,
    grant_object_permissions,
    revoke_object_permission,
    revoke_object_permissions,
)
from accounts.models import ConflictDeclaration, User
from accounts.sessions import disable_account
from audit.choices import AuditAction
from audit.services import record_event
from casework.choices import TaskStatus, TeamRole
from casework.models import Investigation, Task, TeamMembership
from casework.notices import notify_about_case
from casework.permissions import (
    LEAD_PERMISSIONS,
    MEMBER_PERMISSIONS,
    TEAM_ROLES,
    may_direct,
    may_join_team,
    may_manage_team,
)
from casework.services.activity import record_activity
from kernel.errors import WorkflowError
from kernel.history import update_with_history
from kernel.transactions import service_transaction
from notify.choices import NotificationKind
from referrals.models import Referral
from referrals.permissions import VIEW_REFERRAL


def conflicts_for(user: User, investigation: Investigation) -> list[ConflictDeclaration]:
    """The user's current declarations about the organisation this investigation concerns."""
    concerned = {name.strip().casefold() for name in investigation.organisations}
    return [
        declaration
        for declaration in user.conflict_declarations.all()
        if declaration.organisation_name.strip().casefold() in concerned and declaration.is_current()
    ]


def add_team_member(
    investigation: Investigation, user: User, role: str, *, actor: User, override_reason: str = ""
) -> TeamMembership:
    """Put `user` on the team and grant their access; refused for a declared conflict unless a
    director overrides it with a recorded reason."""
    _require_team_manager(investigation, actor)
    if user == actor:
        # Separation of duties: nobody grants themselves access to a case.
        raise WorkflowError("You cannot put yourself on a team. Ask another director to add you.")
    if not may_join_team(user):
        raise WorkflowError("%s is not an investigator, director or chief investigator." % user)
    conflicts = conflicts_for(user, investigation)
    if conflicts and not override_reason:
        raise WorkflowError(
            "%s has declared a conflict of interest with %s (%s). A director can override this with a reason."
            % (user, conflicts[0].organisation_name, conflicts[0].nature)
        )
    if conflicts and not may_direct(actor):
        raise PermissionDenied("Only a director can override a declared conflict of interest.")
    with service_transaction():
        locked = Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)
        if locked.team.filter(user=user).exists():
            raise WorkflowError("%s is already on the team of %s." % (user, locked))
        membership = TeamMembership.objects.create(
            investigation=locked,
            user=user,
            role=role,
            added_by=actor,
            conflict_override_reason=override_reason if conflicts else "",
        )
        _grant_access(locked, user, role, actor=actor)
        record_activity(locked, "team_member_added", "", actor, "%s as %s" % (user, membership.get_role_display()))
        record_event(
            AuditAction.TEAM_MEMBER_ADDED, actor=actor, target=locked, detail={"user": user.username, "role": role}
        )
        notify_about_case([user], NotificationKind.TEAM_APPOINTED, locked, actor=actor)
        if conflicts:
            record_event(
                AuditAction.CONFLICT_OVERRIDDEN,
                actor=actor,
                target=locked,
                detail={"user": user.username, "reason": override_reason},
            )
    return membership


def remove_team_member(investigation: Investigation, user: User, *, actor: User, reason: str = "") -> None:
    """Take `user` off the team and revoke their access. The last lead cannot be removed."""
    _require_team_manager(investigation, actor)
    with service_transaction():
        locked = Investigation.objects.select_for_update(no_key=True).get(pk=investigation.pk)
        membership = locked.team.filter(user=user).first()
        if membership is None:
            raise WorkflowError("%s is not on the team of %s." % (user, locked))
        if membership.role == TeamRole.LEAD and not locked.team.filter(role=TeamRole.LEAD).exclude(user=user):
            raise WorkflowError("%s is the only lead of %s: appoint another lead first." % (user, locked))
        if locked.tasks.filter(assignee=user, status=TaskStatus.OPEN).exists():
            raise WorkflowError("%s has open tasks on %s: reassign them first." % (user, locked))
        membership.delete()
        # Told while they may still see the reference; the e-mail, checked again when sent, is withheld.
        notify_about_case([user], NotificationKind.TEAM_REMOVED, locked, actor=actor)
        _revoke_access(locked, user, actor=actor)
        record_activity(locked, "team_member_removed", "", actor, "%s%s" % (user, ": %s" % reason if reason else ""))
        record_event(AuditAction.TEAM_MEMBER_REMOVED, actor=actor, target=locked, detail={"user": user.username})


def process_leaver(leaver: User, *, successor: User, actor: User) -> dict:
    """Hand every case role and open task of a departing member of staff to `successor`, then end
    the leaver's access and disable the account. All or nothing."""
    if not may_direct(actor):
        raise PermissionDenied("Only a director can process a leaver.")
    if successor == leaver or not successor.is_active:
        raise WorkflowError("Choose an active colleague other than the leaver to take over.")
    with service_transaction():
        memberships = list(leaver.case_memberships.select_related("investigation"))
        for membership in memberships:
            investigation = membership.investigation
            existing = investigation.team.filter(user=successor).first()
            if existing is None:
                add_team_member(investigation, successor, membership.role, actor=actor)
            elif membership.role == TeamRole.LEAD and existing.role != TeamRole.LEAD:
                existing.role = TeamRole.LEAD
                existing.save(update_fields=["role"])
                _grant_access(investigation, successor, TeamRole.LEAD, actor=actor)
        moved_tasks = update_with_history(
            Task.objects.select_for_update(no_key=True).filter(assignee=leaver, status=TaskStatus.OPEN),
            actor=actor,
            reason="reassigned: %s left" % leaver.get_username(),
            assignee=successor,
        )
        for membership in memberships:
            remove_team_member(membership.investigation, leaver, actor=actor, reason="left the organisation")
        disable_account(leaver, actor=actor, reason="left the organisation")
        summary = {"investigations": len(memberships), "tasks": moved_tasks, "successor": successor.username}
        record_event(AuditAction.LEAVER_PROCESSED, actor=actor, target=leaver, detail=summary)
    return summary


def _require_team_manager(investigation: Investigation, actor: User) -> None:
    if not may_manage_team(actor, investigation):
        raise PermissionDenied("Only a director or the lead investigator can change the team.")


def _grant_access(investigation: Investigation, user: User, role: str, *, actor: User) -> None:
    """The member's need-to-know: the investigation (a lead's steps too) and the referral it came from."""
    grant_object_permissions(
        user, LEAD_PERMISSIONS if role == TeamRole.LEAD else MEMBER_PERMISSIONS, investigation, actor=actor
    )
    if investigation.origin_referral_id:
        grant_object_permission(user, VIEW_REFERRAL, cast(Referral, investigation.origin_referral), actor=actor)


def _revoke_access(investigation: Investigation, user: User, *, actor: User) -> None:
    """Every grant of this case; the referral's too, unless another of its investigations still has them."""
    revoke_object_permissions(user, LEAD_PERMISSIONS, investigation, actor=actor)
    referral = investigation.origin_referral
    if referral is not None and not referral.investigations.filter(team__user=user).exists():
        revoke_object_permission(user, VIEW_REFERRAL, referral, actor=actor)


def active_staff_for_team() -> QuerySet[User]:
    """Active users who can be put on an investigation team."""
    return get_user_model().objects.filter(is_active=True, groups__name__in=[r.value for r in TEAM_ROLES]).distinct()
