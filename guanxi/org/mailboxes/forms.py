"""The mailbox form: the address, the IMAP server to read and the SMTP server to send (passwords never shown)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import TablerMixin
from .models import UserMailbox

SECURITY = UserMailbox.Security.choices


class MailboxForm(TablerMixin, forms.Form):
    address = forms.EmailField(label=_("E-mail address"), max_length=254)
    imap_host = forms.CharField(label=_("IMAP server"), max_length=200, help_text=_("E.g. imap.exmail.qq.com"))
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(label=_("IMAP security"), choices=SECURITY, initial="ssl")
    imap_username = forms.CharField(label=_("IMAP user name"), max_length=200, required=False,
                                    help_text=_("Empty: the e-mail address."))  # fmt: skip
    imap_password = forms.CharField(label=_("IMAP password"), required=False, widget=forms.PasswordInput,
                                    help_text=_("Empty keeps the saved password. Stored encrypted."))  # fmt: skip
    imap_folder = forms.CharField(label=_("Folder"), max_length=200, initial="INBOX")
    smtp_host = forms.CharField(label=_("SMTP server"), max_length=200, help_text=_("E.g. smtp.exmail.qq.com"))
    smtp_port = forms.IntegerField(label=_("SMTP port"), min_value=1, max_value=65535, initial=465)
    smtp_security = forms.ChoiceField(label=_("SMTP security"), choices=SECURITY, initial="ssl")
    smtp_username = forms.CharField(label=_("SMTP user name"), max_length=200, required=False,
                                    help_text=_("Empty: the IMAP user name."))  # fmt: skip
    smtp_password = forms.CharField(label=_("SMTP password"), required=False, widget=forms.PasswordInput,
                                    help_text=_("Empty: the IMAP password."))  # fmt: skip
    is_active = forms.BooleanField(label=_("File my mail on the customers' timelines"), required=False, initial=True)
