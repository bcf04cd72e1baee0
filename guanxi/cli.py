"""The `guanxi` command: wraps manage.py with the few commands people run.

guanxi run [--host H] [--port P] [--no-worker]   migrate, load the demo on a new database, serve (+ worker)
guanxi demo [--customers N]                      fill a realistic Chinese demo company
guanxi createadmin                               create an administrator account
guanxi worker                                    run background jobs and periodic work
guanxi reclaim [--dry-run]                       public-pool warnings and reclaim, now
guanxi backup [--to DIR]                         back up the database and every uploaded file into one archive
guanxi restore FILE [--force]                    restore a backup archive (stop the web and the worker first)
guanxi roles upgrade [--dry-run|--yes]           give default roles the grants of newly added modules
guanxi search-rebuild                            recompute the search text of records with custom values
guanxi check                                     system checks (add --deploy for production)
guanxi <any manage.py command>                   e.g. guanxi migrate, guanxi shell
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings.local")
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    aliases = {
        "run": "guanxi_run",
        "demo": "guanxi_demo",
        "createadmin": "guanxi_createadmin",
        "worker": "guanxi_worker",
        "reclaim": "guanxi_reclaim",
        "backup": "guanxi_backup",
        "restore": "guanxi_restore",
        "search-rebuild": "guanxi_search_rebuild",
    }
    argv[0] = aliases.get(argv[0], argv[0])
    execute_from_command_line(["guanxi", *argv])


if __name__ == "__main__":
    main()
