"""The web pages' Django forms, used for API input: one set of rules for both.

JSON values become the strings a browser would send; people are named by username and evidence by
its public id (never database ids); a form's fields also document the query parameters it filters by.
"""

from django import forms
from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from casework.models import Evidence, Organisation

NATURAL_KEYS: dict[object, str] = {Evidence: "public_id", Organisation: "ods_code"}
SCALARS = (str, int, float, bool)


def form_data(payload, *, ignore=("action",)) -> dict:
    """A JSON object's values as form data; nested values are refused with a message naming the field."""
    if not isinstance(payload, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    data, errors = {}, {}
    for key, value in payload.items():
        if key in ignore or value is None:
            continue
        if isinstance(value, bool):
            data[key] = "true" if value else "false"
        elif isinstance(value, SCALARS):
            data[key] = str(value)
        else:
            errors[key] = ["Give a single value (a string, a number, or true or false)."]
    if errors:
        raise ValidationError(errors)
    return data


def by_natural_keys(form):
    """`form` with its choices of people keyed by username and of evidence by public id."""
    if form is not None:
        for field in form.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = getattr(field.queryset, "model", None)
                field.to_field_name = "username" if model is get_user_model() else NATURAL_KEYS.get(model)
    return form


def valid_form(form):
    """The form's cleaned data, or a 400 naming each field's problem."""
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form.cleaned_data


FIELD_TYPES = {
    forms.IntegerField: OpenApiTypes.INT,
    forms.BooleanField: OpenApiTypes.BOOL,
    forms.NullBooleanField: OpenApiTypes.BOOL,
    forms.DateField: OpenApiTypes.DATE,
}


def query_parameters(form_class, *, exclude=()) -> list[OpenApiParameter]:
    """The schema's query parameters for a filter form (choices become enums)."""
    parameters = []
    for name, field in form_class.base_fields.items():
        if name in exclude:
            continue
        choices = getattr(field, "choices", None)
        parameters.append(
            OpenApiParameter(
                name,
                FIELD_TYPES.get(type(field), OpenApiTypes.STR),
                OpenApiParameter.QUERY,
                required=False,
                description=str(field.label or ""),
                enum=[value for value, _ in choices if value != ""] if choices else None,
            )
        )
    return parameters
