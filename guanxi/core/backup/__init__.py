"""Backup and restore of the whole system: `guanxi backup`, `guanxi restore`, the daily job and its retention.

archive.py writes and checks the archive, database.py copies the database per vendor, manifest.py measures
what a backup holds the same way on every vendor; services.py and selectors.py are what the rest calls.
"""
