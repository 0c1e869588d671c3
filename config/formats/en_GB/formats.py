"""One way of writing dates on every page, as the NHS.UK content style asks: "27 March 2026", and
with a time "27 March 2026, 14:05". Templates write `|date` or `|date:"DATETIME_FORMAT"`; the
audit trail's own tables keep UTC timestamps to the second, which auditors compare across systems."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
