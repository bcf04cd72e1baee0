"""Customer satisfaction surveys (满意度回访, CSAT): one per ticket, sent when it is resolved, answered through a
signed public link without signing in; the figures analytics reads (metrics.py)."""
