"""Every write of the import engine: upload, column mapping, dry run, the background run and its report.

The flow: `import_job_create` reads and checks the file (a bad file is refused before anything is
written) and proposes a column mapping; `import_job_check` saves the user's mapping and queues a
dry run; `import_job_start` queues the import; the worker's task calls `import_job_execute`, which
does either. The import itself is one transaction: with "all or nothing" any bad row means nothing
is written; with "skip bad rows" the good rows are written and the bad ones reported with reasons.

A worker takes a job by writing its id on it (compare-and-set), and the import commits only while the
job is still that worker's: a worker that dies mid-import leaves nothing written, and once its lease
runs out (guanxi/core/workers.py) `import_jobs_recover_lost` marks the job failed so it can be run again.
A failed job's counts say what was committed: nothing.

One module per side, the names re-exported here: jobs (upload, mapping, dry run, start), run (the worker) and
recovery (jobs a crashed worker left behind).
"""

from __future__ import annotations

from .jobs import (
    EDITABLE,
    PREVIEW_ROWS,
    STARTED,
    get_importer,
    import_job_check,
    import_job_create,
    import_job_start,
    import_job_submit,
)
from .recovery import IN_FLIGHT, import_jobs_fail_stale, import_jobs_recover_lost
from .run import PROGRESS_EVERY, import_job_execute

__all__ = [
    "EDITABLE",
    "IN_FLIGHT",
    "PREVIEW_ROWS",
    "PROGRESS_EVERY",
    "STARTED",
    "get_importer",
    "import_job_check",
    "import_job_create",
    "import_job_execute",
    "import_job_start",
    "import_job_submit",
    "import_jobs_fail_stale",
    "import_jobs_recover_lost",
]
