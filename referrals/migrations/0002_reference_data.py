"""Reference data for triage: signposting bodies, triage criteria v1, and the roles' referral permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SIGNPOST_BODIES = [
    ("Care Quality Commission (CQC)", "https://www.cqc.org.uk/"),
    ("Parliamentary and Health Service Ombudsman", "https://www.ombudsman.org.uk/"),
    ("The provider's complaints team (NHS complaints procedure)", ""),
    ("NHS England", "https://www.england.nhs.uk/"),
    ("General Medical Council", "https://www.gmc-uk.org/"),
    ("Nursing and Midwifery Council", "https://www.nmc.org.uk/"),
    ("Health and Care Professions Council", "https://www.hcpc-uk.org/"),
    ("General Pharmaceutical Council", "https://www.pharmacyregulation.org/"),
    ("General Dental Council", "https://www.gdc-uk.org/"),
    ("Healthwatch", "https://www.healthwatch.co.uk/"),
    ("Medicines and Healthcare products Regulatory Agency (Yellow Card)", "https://yellowcard.mhra.gov.uk/"),
    ("Healthcare Inspectorate Wales", "https://www.hiw.org.uk/"),
    ("Healthcare Improvement Scotland", "https://www.healthcareimprovementscotland.scot/"),
    ("Regulation and Quality Improvement Authority (Northern Ireland)", "https://www.rqia.org.uk/"),
]

CRITERIA_V1 = [
    {
        "key": "harm",
        "label": "Harm to patients and staff",
        "guidance": "Actual or potential harm, its severity and how many people it affects.",
    },
    {
        "key": "scale",
        "label": "Scale of the safety issue",
        "guidance": "Local, regional or national; one setting or many; how often it is likely to recur.",
    },
    {
        "key": "public_confidence",
        "label": "Impact on public confidence",
        "guidance": "How far the issue affects trust in the safety of healthcare.",
    },
    {
        "key": "learning",
        "label": "Potential for learning",
        "guidance": "Whether an investigation could find system learning not already known or acted on.",
    },
]

ROLE_PERMISSIONS = {
    "intake_officer": [
        "referrals.add_referral",
        "referrals.triage_referral",
        "referrals.view_referral_identity",
        "referrals.assign_referral",
    ],
    "director": [
        "referrals.add_referral",
        "referrals.triage_referral",
        "referrals.decide_referral",
        "referrals.view_referral_identity",
        "referrals.assign_referral",
        "casework.view_investigation",
    ],
    "chief_investigator": ["casework.view_investigation"],
}


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so they can be granted.
    for app_config in apps.get_app_configs():
        if app_config.label in ("referrals", "casework"):
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    create_reference_data(apps)


def create_reference_data(apps):
    """Signposting bodies, criteria v1 and the roles' permissions (which must exist); idempotent."""
    SignpostBody = apps.get_model("referrals", "SignpostBody")
    for name, url in SIGNPOST_BODIES:
        SignpostBody.objects.get_or_create(name=name, defaults={"url": url})
    TriageCriteria = apps.get_model("referrals", "TriageCriteria")
    TriageCriteria.objects.get_or_create(version=1, defaults={"published_on": "2026-04-01", "dimensions": CRITERIA_V1})
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("casework", "0002_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
