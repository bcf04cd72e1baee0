"""Names of the default pipeline, its stages and the default lost reasons, marked for translation.

They are stored in English by migration 0004 (an admin may rename them) and shown through gettext, so a default
name appears in the reader's language and a name an admin typed appears as typed.
"""

from django.utils.translation import gettext_noop

DEFAULT_NAMES = [
    gettext_noop("Direct sales"),
    gettext_noop("Initial contact"),
    gettext_noop("Needs confirmed"),
    gettext_noop("Proposal / quote"),
    gettext_noop("Negotiation / review"),
    gettext_noop("Closed won"),
    gettext_noop("Closed lost"),
    gettext_noop("Price"),
    gettext_noop("Lost to a competitor"),
    gettext_noop("No budget"),
    gettext_noop("No decision"),
    gettext_noop("Requirements not met"),
    gettext_noop("Other"),
]
