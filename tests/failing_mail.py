"""An email backend that always fails, to prove a concern is kept when its acknowledgement cannot be sent."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPException("mail server unavailable")
