# English: Django's defaults, with grouping for "g" number formats (1,050,000.00).
from django.conf.locale.en.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
