"""The anonymisation check before publication: what in a report's text may identify someone.

Two kinds of finding. Names and details the case itself holds in protected fields (the referrers'
identity and contact details, patient details, interviewees) found in the text; and identifiers by
their form wherever they come from: NHS numbers (10 digits passing the NHS modulus-11 check, from
the `nhs-number` package), UK postcodes (the government data standard's pattern), and dates given
as someone's date of birth. A finding blocks publication until the text is edited or the lead marks
it as intended with a reason; the mark is kept by a keyed digest of what was found, never the words.
"""

import re
from dataclasses import dataclass

import nhs_number
from django.utils.crypto import salted_hmac

from casework.models import Investigation
from referrals.models import Referral
from reports.choices import WRITTEN_SECTIONS, Section

HELD_ON_CASE = "A name or detail held on the case"
NHS_NUMBER = "An NHS number"
POSTCODE = "A postcode"
DATE_OF_BIRTH = "A date of birth"

# Shorter held values ('Ann', a house number) would match ordinary words; they are left to people.
SHORTEST_HELD_VALUE = 4
TEN_DIGITS = re.compile(r"(?<!\d)(\d{3}[ -]?\d{3}[ -]?\d{4})(?!\d)")
OUTWARD = r"[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])"
POSTCODE_PATTERN = re.compile(r"\b(GIR ?0AA|%s ?\d[ABD-HJLNP-UW-Z]{2})\b" % OUTWARD, re.IGNORECASE)
DATE = r"\d{1,2}(?:[/.-]\d{1,2}[/.-]\d{2,4}|(?:st|nd|rd|th)? [A-Z][a-z]+ \d{4})"
BIRTH_DATE = re.compile(r"\b(?:born(?: on)?|date of birth|d\.?o\.?b\.?)[:\s]+(%s)" % DATE, re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    section: str
    kind: str
    found: str

    @property
    def key(self) -> str:
        """What a mark as intended is kept under: a keyed digest of the kind and the words found."""
        normal = " ".join(self.found.lower().split())
        return salted_hmac("reports.identifiers", "%s\n%s" % (self.kind, normal), algorithm="sha256").hexdigest()

    @property
    def section_label(self) -> str:
        return Section(self.section).label


def held_values(investigation: Investigation) -> list[str]:
    """The protected details the case holds about people: its referrals' and its interviews'."""
    referrals = Referral.objects.filter(investigations=investigation) | Referral.objects.filter(
        links__to_investigation=investigation
    )
    values = []
    for referral in referrals.distinct():
        values += [referral.reporter_name, referral.reporter_email, referral.reporter_phone]
        values += re.split(r"[\n,;]+", referral.patient_details or "")
    values += [interview.interviewee for interview in investigation.interviews.all()]
    cleaned = {" ".join(value.split()) for value in values if value}
    return sorted(value for value in cleaned if len(value) >= SHORTEST_HELD_VALUE)


def scan(investigation: Investigation, sections: dict[str, str]) -> list[Finding]:
    """Every finding in the written sections, in reading order, each once per section."""
    held = [re.compile(r"(?<!\w)%s(?!\w)" % re.escape(value), re.IGNORECASE) for value in held_values(investigation)]
    findings: list[Finding] = []
    for section in WRITTEN_SECTIONS:
        text = sections.get(section.value, "")
        found = [(HELD_ON_CASE, match.group(0)) for pattern in held for match in pattern.finditer(text)]
        found += [
            (NHS_NUMBER, match.group(1))
            for match in TEN_DIGITS.finditer(text)
            if nhs_number.is_valid(re.sub(r"\D", "", match.group(1)))
        ]
        found += [(POSTCODE, match.group(1)) for match in POSTCODE_PATTERN.finditer(text)]
        found += [(DATE_OF_BIRTH, match.group(1)) for match in BIRTH_DATE.finditer(text)]
        for kind, words in dict.fromkeys(found):
            findings.append(Finding(section.value, kind, words))
    return findings
