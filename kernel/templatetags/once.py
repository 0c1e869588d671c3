"""`{% form_once %}`: the hidden one-time token of a form that creates something (kernel.once)."""

from django import template
from django.utils.html import format_html

from kernel.once import FORM_FIELD, new_token

register = template.Library()


@register.simple_tag
def form_once():
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, new_token())
