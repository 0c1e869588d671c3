"""Form styling and wording shared by every app's forms: NHS.UK classes on every widget, the NHS.UK
date input (day, month and year boxes) for every date, fields marked when they have errors, and
error messages that name the question."""

from datetime import date

from django import forms
from django.forms.renderers import BaseRenderer, Jinja2

WIDGET_RENDERER = Jinja2()
"""Draws the widgets of every NHSFormMixin form with Django's own widget templates in their Jinja2
form (and `kernel/jinja2/` for ours). A select is one template include per option, which Django's
template language renders at about twice Jinja2's cost: the intake queue's filters alone took 8 ms
of a 55 ms page. One instance, so its template engine is built once. Other forms (those of the
libraries' own admin pages) keep the project's default renderer and its templates."""


class DateInput(forms.MultiWidget):
    """The NHS.UK date input: day, month and year boxes, never the browser's own date picker, whose
    order follows the browser's language (mm/dd/yyyy in an en-US browser).

    A whole ISO date sent under the field's own name is accepted too, as the API and scripts send it.
    """

    template_name = "kernel/date_input.html"
    is_date_parts = True  # how includes/field.html knows to render a fieldset

    def __init__(self, attrs=None):
        boxes: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(
                attrs={"inputmode": "numeric", "class": "nhsuk-input nhsuk-date-input__input %s" % width}
            )
            for part, width in (
                ("day", "nhsuk-input--width-2"),
                ("month", "nhsuk-input--width-2"),
                ("year", "nhsuk-input--width-4"),
            )
        }
        super().__init__(boxes, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if data.get(name):
            return data[name]
        day, month, year = (str(part or "").strip() for part in super().value_from_datadict(data, files, name))
        if not (day or month or year):
            return ""
        return "%s-%s-%s" % (year, month, day)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files chosen at once (Django's documented pattern); cleans to a list of files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


def _required_message(field: forms.Field) -> str:
    """ "Enter the date held", "Select the region", or, for a label put as a question, "Answer ..."."""
    label = str(field.label or "")
    if not label:
        return "Enter an answer"
    if label.endswith("?"):
        return "Answer the question: %s" % label
    verb = "Select" if isinstance(field, forms.ChoiceField | forms.ModelChoiceField) else "Enter"
    return "%s %s" % (verb, label[:1].lower() + label[1:])


class NHSFormMixin:
    """NHS.UK classes and wording for any form, so templates render every field the same way."""

    fields: dict[str, forms.Field]
    default_renderer: BaseRenderer | type[BaseRenderer] | None = WIDGET_RENDERER
    WIDGET_CLASSES: dict[type, str] = {forms.Textarea: "nhsuk-textarea", forms.Select: "nhsuk-select"}
    DEFAULT_REQUIRED = forms.Field.default_error_messages["required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DateInput()
                label = str(field.label or "")
                field.error_messages["invalid"] = (
                    "Enter a real date, for example 27 3 2026"
                    if not label or label.endswith("?")
                    else "%s must be a real date, for example 27 3 2026" % label
                )
            if field.error_messages.get("required") == self.DEFAULT_REQUIRED:
                field.error_messages["required"] = _required_message(field)
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput | DateInput):
                continue
            widget.attrs.setdefault("class", self.WIDGET_CLASSES.get(type(widget), "nhsuk-input"))

    def full_clean(self):
        """After validation, each field with an error is marked as NHS.UK asks (a red border)."""
        super().full_clean()  # type: ignore[misc]  # a mixin for forms.Form
        for name in self.errors:  # type: ignore[attr-defined]  # forms.Form's
            field = self.fields.get(name)
            if field is None or isinstance(field.widget, forms.RadioSelect | forms.HiddenInput):
                continue
            widgets = field.widget.widgets if isinstance(field.widget, DateInput) else [field.widget]
            for widget in widgets:
                classes = widget.attrs.get("class", "")
                if "error" not in classes:
                    suffix = (
                        "textarea"
                        if "nhsuk-textarea" in classes
                        else "select"
                        if "nhsuk-select" in classes
                        else "input"
                    )
                    widget.attrs["class"] = "%s nhsuk-%s--error" % (classes, suffix)
