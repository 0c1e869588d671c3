"""The access matrix: (URL name, method, persona) -> status, for every named URL.

Each later feature adds rows here; `test_every_named_url_has_matrix_rows` fails until it does.
Every allowed staff request must leave an allowed audit event, and every refusal a denied one.
"""

import time

import pytest
from django.urls import get_resolver, reverse

from accounts.checks import iter_url_patterns
from accounts.outside import OUTSIDE_PERSON, OUTSIDE_SIGNED_IN_AT, REFERRER_OF
from audit.choices import Outcome
from audit.models import AuditEvent
from tests.factories import StaffClient, sign_in
from tests.helpers import newest_event_id, rolled_back

STAFF = ["intake", "lead_investigator", "other_investigator", "director", "chief", "auditor", "admin"]
# `consulted` is a person outside the body signed in to the portal: the matrix consultation's consultee.
# `contact` answers the matrix organisation's recommendations in the portal.
# `referrer` opened the matrix referral's own page with its receipt code.
ALL_PERSONAS = [*STAFF, "consulted", "contact", "referrer", "anonymous"]
LOGIN_REDIRECT = "login"


def rows_for(url_name, method, statuses, kwargs=None):
    """The rows of one route and method. Unless a row says otherwise, the people outside the body
    (consulted, contact, referrer) meet a staff page (where a stranger is sent to sign in) as a 404,
    and any other page as a stranger does."""
    anonymous = statuses["anonymous"]
    outside = 404 if anonymous == LOGIN_REDIRECT else anonymous
    statuses = {"consulted": outside, "contact": outside, "referrer": outside, **statuses}
    return [(url_name, method, persona, statuses[persona], kwargs) for persona in ALL_PERSONAS]


def every(status, anonymous=LOGIN_REDIRECT):
    return {**dict.fromkeys(STAFF, status), "anonymous": anonymous}


# The portal's pages for a signed-in outside person (its sign-in pages are public, like the form).
BEHIND_PORTAL_SIGN_IN = {
    "portal:home",
    "portal:sign_out",
    "portal:consultation",
    "portal:consultation_pdf",
    "portal:consultation_step",
    "portal:consultation_comment",
    "portal:recommendations",
    "portal:recommendation",
    "portal:recommendation_submit",
}


def portal(consulted, contact=404):
    """A portal page behind sign-in: the consulted person gets `consulted` and the organisation's
    contact `contact` (404: not theirs); staff 404; strangers sign in."""
    return {**every(404, anonymous="portal:sign_in"), "consulted": consulted, "contact": contact}


# The referrer's own pages (the sign-in, /follow-up/, is public).
BEHIND_RECEIPT_CODE = {"public:concern", "public:concern_nudge", "public:concern_sign_out"}


def referrer_page(referrer):
    """A referrer's page: the referrer gets `referrer`; staff 404; anyone else gives the code first."""
    return {
        **every(404, anonymous="public:follow_up"),
        "consulted": "public:follow_up",
        "contact": "public:follow_up",
        "referrer": referrer,
    }


def only(allowed_personas, status=200, otherwise=403):
    return {**{p: (status if p in allowed_personas else otherwise) for p in STAFF}, "anonymous": LOGIN_REDIRECT}


CASE_REFERRAL = {"reference": "__case_referral__"}
START_TRIAGE = {"reference": "__case_referral__", "action": "start_triage"}
TRIAGE_STAFF = {"intake", "director"}
SEES_REFERRAL = {"intake", "lead_investigator", "director", "chief"}
# Public pages that only show a form are not audited: anyone on the internet could flood the audit
# chain with them. What they submit is audited (tests/referrals/test_public_form.py).
UNAUDITED_PUBLIC_PAGES = {
    "login",
    "public:share_concern",
    "public:follow_up",
    "published_reports",
    "home",
    "public_reports:list",
    "public_reports:feed",
    "public_reports:report",
    "public_reports:pdf",
    "public_reports:recommendations",
    "public_reports:recommendation",
    "public_reports:privacy",
    "public_reports:accessibility",
    "public_reports:contact",
}
CASE = {"reference": "__case_investigation__"}
ADD_NOTE = {"reference": "__case_investigation__", "action": "add_note"}
NOTE = {"reference": "__case_investigation__", "note_id": "__note__"}
# The parts of the investigation workspace that are the record's content: for the team.
CONTENT_SECTIONS = ["journal", "tasks", "evidence", "interviews", "disclosures", "timeline"]
APPROVE_DIRECTION = {"public_id": "__direction__", "action": "approve"}
POST_DATA = {
    "casework:action": {"add_note-text": "Matrix note"},
    "casework:journal_note": {"text": "Matrix note, corrected", "version": "1"},
    "casework:break_glass": {"break_glass-reason": "A serious incident report needs checking against this case."},
    "audit:subject_access": {"username": "intake_officer"},
    "reports:comment": {"version": "1"},
    "reports:consultation_action": {"target": "__consultation_comment__"},
}
INVESTIGATION_TEAM = {"lead_investigator"}
SEES_INVESTIGATION = {"lead_investigator", "director", "chief"}
DISCLOSURE = {"reference": "__case_investigation__", "public_id": "__disclosure__"}
# The matrix disclosure is already released: releasing it again is refused and explained.
RELEASE_AGAIN = {**DISCLOSURE, "action": "release"}
KEEPS_REGISTER = {"auditor", "director", "chief"}
REPORT = {"reference": "__case_investigation__", "public_id": "__report__"}
REPORT_COMMENT = {**REPORT, "comment_id": "__comment__"}
CONSULTATION = {"reference": "__case_investigation__", "public_id": "__consultation__"}
# The matrix report is the final one: its interim steps are refused and explained on the report.
APPROVE_INTERIM = {**REPORT, "action": "approve"}
PUBLISH_INTERIM = {**REPORT, "action": "publish"}
HANDLE = {**CONSULTATION, "action": "handle"}
CONSULTEE_COPY = {"public_id": "__consultee__"}
CONSULTATION_FILE = {**CONSULTATION, "file_id": "__consultation_file__"}
RECOMMENDATION = {"reference": "__recommendation__"}
ORGANISATION = {"public_id": "__organisation__"}
CONTACT = {"public_id": "__organisation__", "person_id": "__contact__"}
RESPONSE_FILE = {
    "reference": "__case_investigation__",
    "recommendation": "__recommendation__",
    "public_id": "__response_file__",
}


# Read-only pages and action endpoints, with who passes the role permission checked before the view
# runs (everyone else gets 403 first); those who pass get 405 for the wrong method.
READ_ONLY_PAGES = {
    "dashboard": (set(STAFF), None),
    "accounts:user_list": ({"admin"}, None),
    "accounts:user_detail": ({"admin"}, {"username": "intake_officer"}),
    "notify:jobs": ({"admin"}, None),
    "audit:event_list": ({"auditor"}, None),
    "audit:break_glass": ({"auditor"}, None),
    "referrals:list": ({"intake", "director", "chief"}, None),
    "referrals:detail": (set(STAFF), CASE_REFERRAL),
    "referrals:attachment": (set(STAFF), {"reference": "__case_referral__", "public_id": "__attachment__"}),
    "casework:list": (set(STAFF), None),
    "casework:detail": (set(STAFF), CASE),
    **{"casework:%s" % section: (set(STAFF), CASE) for section in [*CONTENT_SECTIONS, "recommendations"]},
    "casework:evidence_download": (
        set(STAFF),
        {"reference": "__case_investigation__", "public_id": "__evidence__"},
    ),
    "disclosures:register": (KEEPS_REGISTER, None),
    "casework:disposals": ({"director", "chief"}, None),
    "disclosures:detail": (set(STAFF), DISCLOSURE),
    "disclosures:package": (set(STAFF), DISCLOSURE),
    "reports:detail": (set(STAFF), REPORT),
    "reports:compare": (set(STAFF), REPORT),
    "reports:consultation": (set(STAFF), CONSULTATION),
    "reports:pdf": (set(STAFF), REPORT),
    "reports:consultation_attachment": (set(STAFF), CONSULTATION_FILE),
    "casework:response_attachment": (set(STAFF), RESPONSE_FILE),
}
ACTION_ENDPOINTS = {
    "referrals:bulk_assign": ({"intake", "director", "chief"}, None),
    "referrals:export": ({"intake", "director", "chief"}, None),
    "casework:export": (set(STAFF), None),
    "casework:break_glass": (set(STAFF), CASE),
    "accounts:user_action": ({"admin"}, {"username": "intake_officer", "action": "end_sessions"}),
    "audit:export": ({"auditor"}, None),
    "audit:subject_access": ({"auditor", "admin"}, None),
    "disclosures:export": (KEEPS_REGISTER, None),
    "disclosures:action": (set(STAFF), RELEASE_AGAIN),
    "reports:comment": (set(STAFF), REPORT),
    "reports:resolve": (set(STAFF), REPORT_COMMENT),
    "reports:interim_step": (set(STAFF), APPROVE_INTERIM),
    "reports:consultation_action": (set(STAFF), HANDLE),
    "reports:consultation_export": (set(STAFF), CONSULTATION),
}


def object_rows(url_name, method, allowed, visible, kwargs, allowed_status=200):
    """Allowed personas get `allowed_status`; those who can see the object but not act get 403; the rest 404."""
    statuses = {
        persona: allowed_status if persona in allowed else 403 if persona in visible else 404 for persona in STAFF
    }
    return rows_for(url_name, method, {**statuses, "anonymous": LOGIN_REDIRECT}, kwargs)


MATRIX = [
    *rows_for("dashboard", "get", every(200)),
    # The header's "go to a reference" box, sent empty: back to the dashboard (tests/dashboards).
    *rows_for("go_to", "get", every("dashboard")),
    *rows_for("go_to", "post", every(405)),
    *rows_for("login", "get", every("dashboard", anonymous=200)),
    *rows_for("logout", "post", every(LOGIN_REDIRECT)),
    *rows_for("logout", "get", every(405)),
    *rows_for("accounts:user_list", "get", only({"admin"})),
    *rows_for("notify:jobs", "get", only({"admin"})),
    *rows_for("casework:disposals", "get", only({"director", "chief"})),
    *rows_for("notify:notifications", "get", every(200)),
    *rows_for("notify:email_preference", "get", every(200)),
    # Only its recipient opens a notification (and goes to the case); to everyone else it is missing.
    *rows_for(
        "notify:notification_open",
        "post",
        {**every(404), "lead_investigator": "case"},
        {"notification_id": "__notification__"},
    ),
    *rows_for("notify:notification_open", "get", every(405), {"notification_id": "__notification__"}),
    *rows_for("accounts:declarations", "get", every(200)),
    # Signed-in personas have given their second factor: the code page sends them on, set-up is
    # refused (an authenticator exists) and goes to the code page; settings are their own.
    *rows_for("accounts:mfa_verify", "get", every("dashboard")),
    *rows_for("accounts:mfa_setup", "get", every("accounts:mfa_verify")),
    *rows_for("accounts:mfa_settings", "get", every(200)),
    *rows_for("accounts:sessions", "get", every(200)),
    *rows_for("accounts:api_tokens", "get", every(200)),
    # Sent empty: what is missing is explained (400) and no token is made.
    *rows_for("accounts:api_tokens", "post", every(400)),
    *rows_for(
        "accounts:user_action",
        "post",
        only({"admin"}, status="account"),
        {"username": "intake_officer", "action": "end_sessions"},
    ),
    *rows_for("accounts:user_detail", "get", only({"admin"}), {"username": "intake_officer"}),
    *rows_for("accounts:user_new", "get", only({"admin"})),
    # Sent empty: what is missing is explained (400) and no account is made.
    *rows_for("accounts:user_new", "post", only({"admin"}, status=400)),
    # A link to set a password that is not a real one: refused alike for everyone (and recorded).
    *rows_for("accounts:set_password", "get", every(400, anonymous=400), {"uidb64": "MQ", "token": "wrong"}),
    *rows_for("accounts:set_password", "post", every(400, anonymous=400), {"uidb64": "MQ", "token": "wrong"}),
    *rows_for("audit:event_list", "get", only({"auditor"})),
    *rows_for("audit:break_glass", "get", only({"auditor"})),
    *rows_for("audit:export", "post", only({"auditor"})),
    *rows_for("audit:review_queue", "get", only({"auditor"})),
    *rows_for("audit:review_queue", "post", only({"auditor"}, status="audit:review_queue")),
    *rows_for("audit:subject_access", "post", only({"auditor", "admin"})),
    *rows_for("referrals:list", "get", only({"intake", "director", "chief"})),
    *rows_for("referrals:new", "get", only(TRIAGE_STAFF)),
    *object_rows("referrals:detail", "get", SEES_REFERRAL, SEES_REFERRAL, CASE_REFERRAL),
    *object_rows("referrals:assess", "get", TRIAGE_STAFF, SEES_REFERRAL, CASE_REFERRAL),
    *object_rows("referrals:attach", "get", TRIAGE_STAFF, SEES_REFERRAL, CASE_REFERRAL),
    *object_rows(
        "referrals:attachment",
        "get",
        SEES_REFERRAL,
        SEES_REFERRAL,
        {"reference": "__case_referral__", "public_id": "__attachment__"},
    ),
    *object_rows("referrals:action", "post", TRIAGE_STAFF, SEES_REFERRAL, START_TRIAGE, allowed_status="referral"),
    *object_rows("referrals:action", "get", TRIAGE_STAFF, SEES_REFERRAL, START_TRIAGE),
    *rows_for("public:share_concern", "get", every(200, anonymous=200)),
    *rows_for("public:follow_up", "get", every(200, anonymous=200)),
    *rows_for("public:concern_sent", "get", every("public:share_concern", anonymous="public:share_concern")),
    *rows_for("casework:list", "get", only({"lead_investigator", "other_investigator", "director", "chief"})),
    *object_rows("casework:detail", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, CASE),
    *object_rows("casework:action", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, ADD_NOTE, allowed_status="journal"),
    # A step's own page (its form and what it will do); adding a note is for the team.
    *object_rows("casework:action", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, ADD_NOTE),
    # The workspace's parts: the record's content is the team's (directors see the summary until
    # break-glass); its recommendations are for everyone who sees the case.
    *(
        row
        for section in CONTENT_SECTIONS
        for row in object_rows("casework:%s" % section, "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, CASE)
    ),
    *object_rows("casework:recommendations", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, CASE),
    # A journal note and its versions; its author edits it (the matrix note is the lead's).
    *object_rows("casework:journal_note", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, NOTE),
    *object_rows("casework:journal_note", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, NOTE, allowed_status="note"),
    *object_rows("casework:evidence_upload", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, CASE),
    # Directors and the chief investigator off the team open it with a reason; the team has no need.
    *object_rows(
        "casework:break_glass", "post", {"director", "chief"}, SEES_INVESTIGATION, CASE, allowed_status="case"
    ),
    *object_rows(
        "casework:evidence_download",
        "get",
        INVESTIGATION_TEAM,
        SEES_INVESTIGATION,
        {"reference": "__case_investigation__", "public_id": "__evidence__"},
    ),
    *rows_for("casework:directions", "get", only({"director", "chief"})),
    *rows_for("casework:leaver", "get", only({"director"})),
    *rows_for(
        "casework:direction_action",
        "post",
        only({"director", "chief"}, status="casework:directions"),
        APPROVE_DIRECTION,
    ),
    # Approving a direction first shows what approval does (GET); varying and revoking are POST only.
    *rows_for("casework:direction_action", "get", only({"director", "chief"}), APPROVE_DIRECTION),
    *rows_for("published_reports", "get", every(200, anonymous=200)),
    # The public site: the same for everyone; a report or recommendation not published is missing.
    *rows_for("home", "get", every(200, anonymous=200)),
    *rows_for("public_reports:list", "get", every(200, anonymous=200)),
    *rows_for("public_reports:feed", "get", every(200, anonymous=200)),
    *rows_for("public_reports:report", "get", every(404, anonymous=404), {"slug": "not-published"}),
    *rows_for("public_reports:pdf", "get", every(404, anonymous=404), {"slug": "not-published"}),
    *rows_for("public_reports:recommendations", "get", every(200, anonymous=200)),
    *(
        row
        for page in ("privacy", "accessibility", "contact")
        for row in rows_for("public_reports:%s" % page, "get", every(200, anonymous=200))
    ),
    *rows_for("public_reports:recommendation", "get", every(404, anonymous=404), {"reference": "R-2026-999"}),
    *rows_for("disclosures:register", "get", only(KEEPS_REGISTER)),
    *rows_for("disclosures:export", "post", only(KEEPS_REGISTER)),
    *object_rows("disclosures:new", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, CASE),
    # Sent empty: the team is told what is missing (400); nothing is asked for.
    *object_rows("disclosures:new", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, CASE, allowed_status=400),
    *object_rows("disclosures:detail", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, DISCLOSURE),
    *object_rows("disclosures:package", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, DISCLOSURE),
    *object_rows(
        "disclosures:action", "post", SEES_INVESTIGATION, SEES_INVESTIGATION, RELEASE_AGAIN, allowed_status="disclosure"
    ),
    # Reports are read by those who see the case (its team and approvers) and written by the team;
    # anyone who reads may comment. Forms sent empty are explained (the comment's back on the report).
    *object_rows("reports:list", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, CASE),
    *object_rows("reports:list", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, CASE, allowed_status=400),
    *object_rows("reports:detail", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, REPORT),
    *object_rows("reports:compare", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, REPORT),
    *object_rows("reports:pdf", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, REPORT),
    *object_rows("reports:identifiers", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, REPORT),
    # Sent empty: no such finding, explained (400); only the lead marks findings as intended.
    *object_rows("reports:identifiers", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, REPORT, allowed_status=400),
    *object_rows("reports:edit", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, REPORT),
    *object_rows("reports:edit", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, REPORT, allowed_status=400),
    *object_rows("reports:comment", "post", SEES_INVESTIGATION, SEES_INVESTIGATION, REPORT, allowed_status="report"),
    *object_rows(
        "reports:resolve", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, REPORT_COMMENT, allowed_status="report"
    ),
    # An interim report: a director approves its version, the chief publishes it.
    *object_rows(
        "reports:interim_step",
        "post",
        {"director"},
        SEES_INVESTIGATION,
        APPROVE_INTERIM,
        allowed_status="report",
    ),
    *object_rows(
        "reports:interim_step", "post", {"chief"}, SEES_INVESTIGATION, PUBLISH_INTERIM, allowed_status="report"
    ),
    # Consultations: the lead sends (a form sent empty names nobody: explained, nothing sent); those
    # who see the case read the log; the team handles comments (sent empty: back to the page).
    *object_rows("reports:consult", "get", INVESTIGATION_TEAM, SEES_INVESTIGATION, REPORT),
    *object_rows("reports:consult", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, REPORT, allowed_status=400),
    *object_rows("reports:consultation", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, CONSULTATION),
    *object_rows(
        "reports:consultation_action",
        "post",
        INVESTIGATION_TEAM,
        SEES_INVESTIGATION,
        HANDLE,
        allowed_status="consultation",
    ),
    *object_rows("reports:consultation_export", "post", SEES_INVESTIGATION, SEES_INVESTIGATION, CONSULTATION),
    *object_rows("reports:consultation_attachment", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, CONSULTATION_FILE),
    # The consulted person's own copy: a comment sent empty is explained (400), nothing kept.
    *rows_for("portal:consultation_comment", "get", portal("consultee"), CONSULTEE_COPY),
    *rows_for("portal:consultation_comment", "post", portal(400), CONSULTEE_COPY),
    *rows_for("portal:consultation", "get", portal(200), CONSULTEE_COPY),
    *rows_for("portal:consultation", "post", portal(405, 405), CONSULTEE_COPY),
    *rows_for("portal:consultation_pdf", "get", portal(200), CONSULTEE_COPY),
    *rows_for("portal:consultation_pdf", "post", portal(405, 405), CONSULTEE_COPY),
    *rows_for("portal:consultation_step", "post", portal("consultee"), {**CONSULTEE_COPY, "step": "acknowledge"}),
    *rows_for("portal:consultation_step", "get", portal(405, 405), {**CONSULTEE_COPY, "step": "acknowledge"}),
    # The referrer's page for their own concern (a reply sent empty is explained); any other
    # concern's page is not there for them.
    *rows_for("public:concern", "get", referrer_page(200), CASE_REFERRAL),
    *rows_for("public:concern", "post", referrer_page(400), CASE_REFERRAL),
    *rows_for("public:concern", "get", referrer_page(404), {"reference": "REF-2026-999999"}),
    *rows_for("public:concern_nudge", "post", referrer_page("concern"), CASE_REFERRAL),
    *rows_for("public:concern_nudge", "get", referrer_page(405), CASE_REFERRAL),
    *rows_for("public:concern_sign_out", "post", referrer_page("public:follow_up")),
    *rows_for("public:concern_sign_out", "get", referrer_page(405)),
    # The portal is for people outside the body: every staff session gets 404 (tests/portal has the
    # outside person's own side); a stranger is sent to the portal's sign-in, never the staff one.
    *rows_for("portal:sign_in", "get", every(404, anonymous=200)),
    *rows_for("portal:sign_in", "post", every(404, anonymous=400)),
    *rows_for("portal:code", "get", every(404, anonymous="portal:sign_in")),
    *rows_for("portal:code", "post", every(404, anonymous="portal:sign_in")),
    *rows_for("portal:home", "get", portal(200, 200)),
    *rows_for("portal:home", "post", portal(405, 405)),
    *rows_for("portal:sign_out", "post", portal("portal:sign_in", "portal:sign_in")),
    *rows_for("portal:sign_out", "get", portal(405, 405)),
    # An organisation's contact answers its recommendations (a response sent empty is explained, and
    # a complete saved one is sent); anyone else signed in to the portal finds nothing there.
    *rows_for("portal:recommendations", "get", portal(200, 200)),
    *rows_for("portal:recommendations", "post", portal(405, 405)),
    *rows_for("portal:recommendation", "get", portal(404, 200), RECOMMENDATION),
    *rows_for("portal:recommendation", "post", portal(404, 400), RECOMMENDATION),
    *rows_for("portal:recommendation_submit", "post", portal(404, "answer"), RECOMMENDATION),
    *rows_for("portal:recommendation_submit", "get", portal(405, 405), RECOMMENDATION),
    # Organisations and their contacts are kept by directors (forms sent empty are explained).
    *rows_for("organisations:list", "get", only({"director"})),
    *rows_for("organisations:list", "post", only({"director"}, status=400)),
    *rows_for("organisations:detail", "get", only({"director"}), ORGANISATION),
    *rows_for("organisations:detail", "post", only({"director"}, status=400), ORGANISATION),
    *rows_for("organisations:contact_remove", "post", only({"director"}, status="organisation"), CONTACT),
    *rows_for("organisations:contact_remove", "get", only({"director"}, status=405), CONTACT),
    *object_rows("casework:response_attachment", "get", SEES_INVESTIGATION, SEES_INVESTIGATION, RESPONSE_FILE),
    *rows_for("public_reports:observations", "get", every(200, anonymous=200)),
    *rows_for("public_reports:observations", "post", every(405, anonymous=405)),
    # Every other method. Read-only pages refuse POST, action endpoints refuse GET (405, audited for
    # staff, before any object is looked up, so it tells nothing about what exists); forms sent empty
    # are explained and change nothing.
    *[
        row
        for url_name, (passing, kwargs) in READ_ONLY_PAGES.items()
        for row in rows_for(url_name, "post", only(passing, status=405), kwargs)
    ],
    *rows_for("public:concern_sent", "post", every(405, anonymous=405)),
    *rows_for("published_reports", "post", every(405, anonymous=405)),
    *rows_for("home", "post", every(405, anonymous=405)),
    *rows_for("public_reports:list", "post", every(405, anonymous=405)),
    *rows_for("public_reports:feed", "post", every(405, anonymous=405)),
    *rows_for("public_reports:report", "post", every(405, anonymous=405), {"slug": "not-published"}),
    *rows_for("public_reports:pdf", "post", every(405, anonymous=405), {"slug": "not-published"}),
    *rows_for("public_reports:recommendations", "post", every(405, anonymous=405)),
    *(
        row
        for page in ("privacy", "accessibility", "contact")
        for row in rows_for("public_reports:%s" % page, "post", every(405, anonymous=405))
    ),
    *rows_for("public_reports:recommendation", "post", every(405, anonymous=405), {"reference": "R-2026-999"}),
    *[
        row
        for url_name, (passing, kwargs) in ACTION_ENDPOINTS.items()
        for row in rows_for(url_name, "get", only(passing, status=405), kwargs)
    ],
    *rows_for("login", "post", every("dashboard", anonymous=200)),
    *rows_for("accounts:declarations", "post", every(200)),
    *rows_for("accounts:mfa_verify", "post", every("dashboard")),
    *rows_for("accounts:mfa_setup", "post", every("accounts:mfa_verify")),
    *rows_for("accounts:mfa_settings", "post", every(200)),
    *rows_for("accounts:sessions", "post", every("accounts:sessions")),
    *rows_for("notify:notifications", "post", every("notify:notifications")),
    # Sent empty: the choice is asked for again.
    *rows_for("notify:email_preference", "post", every(200)),
    *rows_for("referrals:new", "post", only(TRIAGE_STAFF)),
    # Sent empty: nothing chosen, said on the queue; the chief sees the queue but assigns nothing.
    *rows_for("referrals:bulk_assign", "post", only(TRIAGE_STAFF, status="referrals:list")),
    *rows_for("referrals:export", "post", only({"intake", "director", "chief"})),
    *rows_for("casework:export", "post", only({"lead_investigator", "other_investigator", "director", "chief"})),
    *object_rows("referrals:assess", "post", TRIAGE_STAFF, SEES_REFERRAL, CASE_REFERRAL),
    *object_rows("referrals:attach", "post", TRIAGE_STAFF, SEES_REFERRAL, CASE_REFERRAL),
    *rows_for("public:share_concern", "post", every(200, anonymous=200)),
    # Sent empty: the reference and code are asked for (400); a right pair opens the referrer's page.
    *rows_for("public:follow_up", "post", every(400, anonymous=400)),
    *object_rows("casework:evidence_upload", "post", INVESTIGATION_TEAM, SEES_INVESTIGATION, CASE),
    *rows_for("casework:directions", "post", only({"director", "chief"})),
    *rows_for("casework:leaver", "post", only({"director"})),
]


def resolve_placeholders(kwargs: dict, objects: dict) -> dict | None:
    """URL kwargs with `__name__` placeholders replaced by the references of `matrix_objects`."""
    placeholders = {
        "__case_referral__": objects["case_referral"].reference,
        "__case_investigation__": objects["case_investigation"].reference,
        "__note__": objects["matrix_note"].pk,
        "__direction__": objects["direction"].public_id,
        "__evidence__": objects["evidence"].public_id,
        "__attachment__": objects["attachment"].public_id,
        "__disclosure__": objects["released_disclosure"].public_id,
        "__notification__": objects["notification"].pk,
        "__report__": objects["matrix_report"].public_id,
        "__comment__": objects["matrix_report"].comments.earliest("created_at").public_id,
        "__consultation__": objects["matrix_consultation"].public_id,
        "__consultee__": objects["matrix_consultation"].consultees.get().public_id,
        "__recommendation__": objects["matrix_recommendation"].reference,
        "__organisation__": objects["matrix_recommendation"].organisation.public_id,
        "__contact__": objects["matrix_contact"].public_id,
        "__response_file__": objects["matrix_recommendation"].response.attachments.get().public_id,
        "__consultation_file__": objects["matrix_consultation"]
        .consultees.get()
        .comments.get()
        .attachments.get()
        .public_id,
    }
    return {key: placeholders.get(value, value) for key, value in kwargs.items()} or None


def open_as_referrer(client, referral) -> None:
    """A referrer's session for `referral`, as giving its reference and receipt code leaves it."""
    session = client.session
    session[REFERRER_OF] = referral.reference
    session[OUTSIDE_SIGNED_IN_AT] = time.time()
    session.save()


def sign_in_outside(client, person) -> None:
    """A portal session for `person`, as the code sign-in leaves it."""
    session = client.session
    session[OUTSIDE_PERSON] = person.pk
    session[OUTSIDE_SIGNED_IN_AT] = time.time()
    session.save()


def resolve_post_data(data: dict, objects: dict) -> dict:
    """Posted fields that name a matrix object by placeholder (a consultation comment's id)."""
    placeholders = {
        "__consultation_comment__": lambda: str(
            objects["matrix_consultation"].consultees.get().comments.get().public_id
        ),
    }
    return {key: placeholders[value]() if value in placeholders else value for key, value in data.items()}


def grouped(matrix) -> list[tuple[tuple, list[tuple[str, object]]]]:
    """The rows by (URL name, method, kwargs): each group is one test, its personas tried one by one."""
    groups: dict[tuple, list] = {}
    for url_name, method, persona, expected, kwargs in matrix:
        groups.setdefault((url_name, method, kwargs and tuple(kwargs.items())), []).append((persona, expected))
    return sorted(groups.items(), key=str)


def for_each_persona(expectations, check) -> list[str]:
    """`check(persona, expected)` for each row, each in a savepoint rolled back afterwards, so every
    persona meets the objects as the fixtures made them; returns the failures' messages."""
    problems = []
    for persona, expected in expectations:
        with rolled_back():
            try:
                check(persona, expected)
            except AssertionError as failure:
                problems.append(str(failure).split("\n")[0])
    return problems


GROUPS = grouped(MATRIX)


@pytest.mark.parametrize(("route", "expectations"), GROUPS, ids=["%s-%s" % route[:2] for route, _ in GROUPS])
def test_access_matrix(personas, matrix_objects, route, expectations):
    url_name, method, kwargs = route
    url = reverse(url_name, kwargs=resolve_placeholders(dict(kwargs or ()), matrix_objects))

    def check(persona, expected):
        client = StaffClient()
        user = personas.get(persona)
        if user is not None:
            client.force_login(user)
        consulted = {
            "consulted": matrix_objects["matrix_consultee"].person,
            "contact": matrix_objects["matrix_contact"],
        }.get(persona)
        if consulted is not None:
            sign_in_outside(client, consulted)
        referral = matrix_objects["case_referral"] if persona == "referrer" else None
        if referral is not None:
            open_as_referrer(client, referral)
        events_before = newest_event_id()

        response = getattr(client, method)(url, resolve_post_data(POST_DATA.get(url_name, {}), matrix_objects))

        if expected in ("referral", "case", "disclosure", "report", "consultation", "consultee"):
            assert response.status_code == 302, "%s %s as %s: %s" % (method, url, persona, response.status_code)
            target = matrix_objects[
                {
                    "referral": "case_referral",
                    "case": "case_investigation",
                    "disclosure": "released_disclosure",
                    "report": "matrix_report",
                    "consultation": "matrix_consultation",
                    "consultee": "matrix_consultee",
                }[expected]
            ]
            assert response.url == target.get_absolute_url(), "%s %s as %s" % (method, url, persona)
        elif expected == "account":
            assert response.status_code == 302, "%s %s as %s: %s" % (method, url, persona, response.status_code)
            assert response.url == reverse("accounts:user_detail", args=["intake_officer"]), persona
        elif expected in ("journal", "note"):
            assert response.status_code == 302, "%s %s as %s: %s" % (method, url, persona, response.status_code)
            case = matrix_objects["case_investigation"]
            target_url = (
                reverse("casework:journal", args=[case.reference])
                if expected == "journal"
                else reverse("casework:journal_note", args=[case.reference, matrix_objects["matrix_note"].pk])
            )
            assert response.url == target_url, "%s %s as %s" % (method, url, persona)
        elif expected in ("answer", "organisation"):
            assert response.status_code == 302, "%s %s as %s: %s" % (method, url, persona, response.status_code)
            recommendation = matrix_objects["matrix_recommendation"]
            target_url = (
                reverse("portal:recommendation", args=[recommendation.reference])
                if expected == "answer"
                else recommendation.organisation.get_absolute_url()
            )
            assert response.url == target_url, "%s %s as %s" % (method, url, persona)
        elif expected == "concern":
            assert response.status_code == 302, "%s %s as %s: %s" % (method, url, persona, response.status_code)
            own_page = reverse("public:concern", args=[matrix_objects["case_referral"].reference])
            assert response.url == own_page, "%s %s as %s" % (method, url, persona)
        elif isinstance(expected, str):
            assert response.status_code == 302, "%s %s as %s: %s" % (method, url, persona, response.status_code)
            assert response.url.split("?")[0] == reverse(expected), "%s %s as %s" % (method, url, persona)
        else:
            assert response.status_code == expected, "%s %s as %s: %s, not %s" % (
                method,
                url,
                persona,
                response.status_code,
                expected,
            )

        staff_page = dict(expectations)["anonymous"] == LOGIN_REDIRECT
        if consulted is not None and (staff_page or url_name in BEHIND_PORTAL_SIGN_IN):
            # Every request of a signed-in outside person beyond the public pages is in the trail,
            # named by their reference.
            recorded = AuditEvent.objects.filter(
                id__gt=events_before, request_id=response["X-Request-ID"], actor_username=consulted.reference
            )
            assert recorded.exists(), "no audit event for %s %s as %s" % (method, url, persona)
            return
        if referral is not None and (staff_page or url_name in BEHIND_RECEIPT_CODE):
            # So is every request of a referrer there, named by their concern.
            recorded = AuditEvent.objects.filter(
                id__gt=events_before,
                request_id=response["X-Request-ID"],
                actor_username="referrer:%s" % referral.reference,
            )
            assert recorded.exists(), "no audit event for %s %s as %s" % (method, url, persona)
            return
        if user is None:
            # Anonymous requests are audited only when they submit something (tests/referrals).
            return
        recorded = AuditEvent.objects.filter(id__gt=events_before, request_id=response["X-Request-ID"], actor=user)
        if response.status_code >= 400:
            recorded = recorded.filter(outcome=Outcome.DENIED)
        # A page or redirect may record an allowed event, or a denied one for a refused form.
        assert recorded.exists(), "no audit event for %s %s as %s" % (method, url, persona)

    problems = for_each_persona(expectations, check)
    assert not problems, "\n".join(problems)


def test_the_matrix_check_reports_a_wrong_status(db):
    """The grouping itself: a row whose expectation is not met is reported, not lost."""

    def check(persona, expected):
        assert expected == 200, "%s expected %s" % (persona, expected)

    assert for_each_persona([("intake", 200), ("auditor", 403)], check) == ["auditor expected 403"]


def test_every_named_url_has_matrix_rows():
    from tests.api.test_api_matrix import API_MATRIX  # the API's rows, called with tokens

    named = {name for _, name, _ in iter_url_patterns(get_resolver().url_patterns) if name}
    covered = {row[0] for row in MATRIX} | {row[0] for row in API_MATRIX}
    missing = sorted(named - covered)
    assert not missing, "URLs with no access-matrix rows: %s" % ", ".join(missing)


def test_every_named_url_has_rows_for_get_and_post():
    """Other methods never reach a view (test_other_methods_never_reach_a_view)."""
    for url_name in {row[0] for row in MATRIX}:
        methods = {row[1] for row in MATRIX if row[0] == url_name}
        assert methods == {"get", "post"}, "%s has rows only for %s" % (url_name, methods)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_other_methods_never_reach_a_view(client, director, case_investigation, method):
    client.force_login(director)
    for route, name, _ in iter_url_patterns(get_resolver().url_patterns):
        if name and "<" not in route:
            response = getattr(client, method)(reverse(name))
            assert response.status_code == 405, (name, method, response.status_code)
            assert AuditEvent.objects.filter(
                request_id=response["X-Request-ID"], outcome=Outcome.DENIED, detail__status=405
            ).exists()


def test_every_matrix_url_has_a_row_for_every_persona():
    for url_name, method in {(row[0], row[1]) for row in MATRIX}:
        personas = {row[2] for row in MATRIX if row[0] == url_name and row[1] == method}
        assert personas == set(ALL_PERSONAS), "%s %s lacks rows for %s" % (
            url_name,
            method,
            set(ALL_PERSONAS) - personas,
        )


def test_anonymous_request_to_a_protected_url_goes_to_login_with_next(client, case_referral):
    url = reverse("referrals:detail", args=[case_referral.reference])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == "%s?next=%s" % (reverse("login"), url)


def test_unknown_reference_is_the_same_404_as_an_invisible_one(client, other_investigator, case_referral):
    client.force_login(other_investigator)
    invisible = client.get(reverse("referrals:detail", args=[case_referral.reference]))
    missing = client.get(reverse("referrals:detail", args=["REF-2026-999999"]))
    assert invisible.status_code == missing.status_code == 404
    assert main_content(invisible) == main_content(missing)
    assert case_referral.reference not in invisible.content.decode()


def main_content(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_password_and_code_sign_in_reaches_the_dashboard(client, intake):
    response = sign_in(client, intake.username)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.status_code == 200
