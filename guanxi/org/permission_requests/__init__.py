"""Permission change requests (权限变更申请, REQUIREMENTS §11): someone asks for roles to be granted or taken
away, a manager approves through the approval engine, and only then the change is applied (audited).

The data and the effect are org's; the approval engine sits above org, so it registers the document kind
"permission_change" for this model (guanxi/approvals/providers.py) and provides org the typed port
guanxi.core.ports.APPROVAL_ENGINE (submit, involves, seed_rules). Org seeds the kind's default rules from its own
set-up step (providers.py here). Administrators still change roles directly on the user page, audited.
"""
