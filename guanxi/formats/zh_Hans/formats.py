# Guanxi's Chinese number format: money reads as 1,050,000.00 元 (Django's zh_Hans default has no grouping).
# Dates keep Django's defaults; templates that need yyyy-mm-dd say so explicitly.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
