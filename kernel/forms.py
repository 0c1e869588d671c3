"""Form styling shared by every app's forms."""

from django import forms


class NHSFormMixin:
    """Give widgets the NHS.UK frontend classes so templates can render any field the same way."""

    fields: dict[str, forms.Field]
    WIDGET_CLASSES: dict[type, str] = {forms.Textarea: "nhsuk-textarea", forms.Select: "nhsuk-select"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
                continue
            widget.attrs.setdefault("class", self.WIDGET_CLASSES.get(type(widget), "nhsuk-input"))
