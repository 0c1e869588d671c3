"""Reading reports: finding one the user may see, laying a version out by section, comparing two."""

import re
from difflib import SequenceMatcher

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q

from accounts.access import NotVisible
from casework.choices import RecommendationState, StatementKind
from casework.models import SafetyRecommendation, Statement
from casework.selectors import get_investigation_for
from reports.choices import RECORD_SECTIONS, CommentAnchor, Section
from reports.markup import render
from reports.models import Consultation, Publication, Report, ReportVersion

# Words, punctuation marks and the spaces between them: a diff marks whole words, a changed full
# stop alone, and keeps the text's own spacing.
WORDS = re.compile(r"\s+|\w+|[^\w\s]")


def get_report_for(user, reference: str, public_id) -> Report:
    """A report of an investigation `user` may see: 404 otherwise, exactly as for a missing one."""
    investigation = get_investigation_for(user, reference)
    report = (
        Report.objects.visible_to(user)
        .filter(investigation=investigation, public_id=public_id)
        .select_related("investigation")
        .first()
    )
    if report is None:
        raise NotVisible("reports.report", str(public_id), "view")
    return report


def get_version(report: Report, number: int) -> ReportVersion:
    """Version `number` of `report`: 404 if there is none."""
    version = report.versions.select_related("author").filter(number=number).first()
    if version is None:
        raise NotVisible("reports.reportversion", "%s/%s" % (report.public_id, number), "view")
    return version


def shown_version(report: Report, number: int | None) -> ReportVersion | None:
    """The version a page shows: `number`, or the newest when none is asked for (None if none is written)."""
    if number is None:
        return report.versions.select_related("author").order_by("-number").first()
    return get_version(report, number)


def reports_of(investigation) -> list[Report]:
    """The investigation's reports with their newest version number and open comments."""
    return list(
        investigation.reports.annotate(
            newest=Max("versions__number"),
            open_comments=Count("comments", filter=Q(comments__resolved_at=None), distinct=True),
        ).order_by("created_at")
    )


def laid_out(report: Report, version: ReportVersion | None, *, review: bool = True) -> list[dict]:
    """Each section in reading order: its written text as safe HTML, or the case's records for it,
    and (for staff, `review`) the review comments anchored to it on any version."""
    written = version.sections if version else {}
    comments = list(report.comments.select_related("author", "resolved_by", "version")) if review else []
    investigation = report.investigation
    records = {
        Section.RECOMMENDATIONS: list(investigation.recommendations.order_by("reference")),
        Section.OBSERVATIONS: list(investigation.observations.order_by("created_at")),
    }
    sections = []
    for section in Section:
        sections.append(
            {
                "key": section.value,
                "label": section.label,
                "html": None if section in RECORD_SECTIONS else render(written.get(section.value, "")),
                "records": records.get(section),
                "comments": [comment for comment in comments if comment.anchor == section.value],
            }
        )
    general = [comment for comment in comments if comment.anchor == CommentAnchor.GENERAL]
    return [{"key": "general", "label": CommentAnchor.GENERAL.label, "comments": general}, *sections]


def diff_words(old: str, new: str) -> list[tuple[str, str]]:
    """(operation, text) runs turning `old` into `new`, word by word: 'equal', 'delete' or 'insert'."""
    before, after = WORDS.findall(old), WORDS.findall(new)
    runs = []
    for operation, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if operation == "equal":
            runs.append(("equal", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("delete", "".join(before[i1:i2])))
        if j2 > j1:
            runs.append(("insert", "".join(after[j1:j2])))
    return runs


def compare(older: ReportVersion, newer: ReportVersion) -> list[dict]:
    """Each written section's changes from `older` to `newer` (unchanged sections say so)."""
    before, after = older.sections, newer.sections
    return [
        {
            "label": Section(key).label,
            "changed": before[key] != after[key],
            "runs": diff_words(before[key], after[key]) if before[key] != after[key] else [],
        }
        for key in before
    ]


def consultations_of(report: Report) -> list[Consultation]:
    return list(report.consultations.select_related("version", "sent_by").order_by("-sent_at"))


def get_consultation_for(user, reference: str, public_id) -> Consultation:
    """A consultation on a report of a case `user` may see: 404 otherwise."""
    investigation = get_investigation_for(user, reference)
    consultation = (
        Consultation.objects.visible_to(user)
        .filter(report__investigation=investigation, public_id=public_id)
        .select_related("report__investigation", "version", "sent_by")
        .first()
    )
    if consultation is None:
        raise NotVisible("reports.consultation", str(public_id), "view")
    return consultation


def consultation_log(consultation: Consultation) -> list[dict]:
    """Each person consulted with their comments and how each was handled, in the order sent."""
    consultees = consultation.consultees.select_related("person").prefetch_related(
        "comments__handled_by", "comments__attachments"
    )
    return [{"consultee": consultee, "comments": list(consultee.comments.all())} for consultee in consultees]


def published_sections(publication: Publication) -> list[dict]:
    """The published text by section, with the case's public recommendations and its observations."""
    investigation = publication.investigation
    recommendations = investigation.recommendations.exclude(state__in=["draft"]).order_by("reference")
    records = {
        Section.RECOMMENDATIONS: list(recommendations),
        Section.OBSERVATIONS: list(investigation.observations.all()),
    }
    return [
        {
            "key": section.value,
            "label": section.label,
            "html": None if section in RECORD_SECTIONS else render(publication.sections.get(section.value, "")),
            "records": records.get(section),
        }
        for section in Section
    ]


# Recommendations the public sees: issued, and everything after. Their responses are published with
# the body's assessment.
PUBLIC_RECOMMENDATION_STATES = [
    RecommendationState.ISSUED,
    RecommendationState.RESPONSE_RECEIVED,
    RecommendationState.ASSESSED,
    RecommendationState.CLOSED,
]
PUBLISHED_RESPONSE_STATES = (RecommendationState.ASSESSED, RecommendationState.CLOSED)


def public_recommendations():
    """The public log, each row knowing whether its investigation is public yet (its start statement
    published) and whether its response is (assessed), for the pages and the API alike."""
    return (
        SafetyRecommendation.objects.filter(state__in=PUBLIC_RECOMMENDATION_STATES)
        .select_related("investigation")
        .annotate(
            investigation_public=Exists(
                Statement.objects.filter(investigation=OuterRef("investigation"), kind=StatementKind.START)
            ),
            response_published=ExpressionWrapper(
                Q(state__in=PUBLISHED_RESPONSE_STATES) & ~Q(response_text=""), output_field=BooleanField()
            ),
        )
    )
