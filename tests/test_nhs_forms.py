"""Every form speaks NHS.UK: dates as day, month and year boxes (never the browser's own picker),
fields with errors marked, and error messages that name the question."""

from django import forms

from kernel.forms import DateInput, NHSFormMixin


class VisitForm(NHSFormMixin, forms.Form):
    held_on = forms.DateField(label="Date held")
    place = forms.ChoiceField(label="Ward", choices=[("", "Choose"), ("a", "Ward A")])
    why = forms.CharField(label="Why did you visit?")


def test_a_date_is_asked_for_as_day_month_and_year_and_read_back_as_a_date():
    form = VisitForm({"held_on_day": "7", "held_on_month": "3", "held_on_year": "2026", "place": "a", "why": "x"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["held_on"].isoformat() == "2026-03-07"
    html = str(VisitForm()["held_on"])
    assert 'type="date"' not in html
    assert html.count('inputmode="numeric"') == 3
    assert isinstance(VisitForm().fields["held_on"].widget, DateInput)


def test_a_whole_iso_date_is_accepted_as_the_api_sends_it():
    form = VisitForm({"held_on": "2026-03-07", "place": "a", "why": "x"})
    assert form.is_valid(), form.errors


def test_an_impossible_date_is_named_and_what_was_typed_is_shown_again():
    form = VisitForm({"held_on_day": "31", "held_on_month": "2", "held_on_year": "2026", "place": "a", "why": "x"})
    assert form.errors["held_on"] == ["Date held must be a real date, for example 27 3 2026"]
    html = str(form["held_on"])
    assert 'value="31"' in html
    assert 'value="2"' in html
    assert html.count("nhsuk-input--error") == 3


def test_missing_answers_are_asked_for_by_their_question():
    form = VisitForm({})
    form.is_valid()
    assert form.errors["held_on"] == ["Enter date held"]
    assert form.errors["place"] == ["Select ward"]
    assert form.errors["why"] == ["Answer the question: Why did you visit?"]
    assert "nhsuk-select--error" in str(form["place"])
    assert "nhsuk-input--error" in str(form["why"])


def test_a_message_a_form_chose_itself_is_kept():
    class Own(NHSFormMixin, forms.Form):
        name = forms.CharField(label="Name", error_messages={"required": "Tell us your name"})

    form = Own({})
    form.is_valid()
    assert form.errors["name"] == ["Tell us your name"]
