"""What analytics provides through core's ports (guanxi/core/ports.py): the usage league's consequences for
automatic lead assignment (000 §十二.4). providers.py registers it."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from guanxi.core.ports import AssignmentPreferences, AssignmentStanding


class LeagueAssignmentPreferences:
    """From the published leagues: last month's top first (rule "priority"), and those at the bottom for the
    rules' number of consecutive months left out (rule "exclusion"); both off unless the league rules switch them
    on."""

    def standings(self, *, user_ids: list[int], today: dt.date) -> dict[int, AssignmentStanding]:
        from .models import LeaguePolicy, LeaguePublication
        from .selectors import window_for

        policy = LeaguePolicy.current()
        if not (policy.priority_rule or policy.exclusion_rule) or not user_ids:
            return {}
        months = [window_for("month", today.replace(day=1) - dt.timedelta(days=1)).date_from]
        while len(months) < max(1, policy.exclusion_months):
            months.append(window_for("month", months[-1] - dt.timedelta(days=1)).date_from)
        published: dict[dt.date, list[LeaguePublication]] = {}
        for publication in LeaguePublication.objects.filter(month__in=months):
            published.setdefault(publication.month, []).append(publication)
        wanted = set(user_ids)
        found: dict[int, AssignmentStanding] = {}
        if policy.exclusion_rule and all(m in published for m in months):
            bottoms = [{pk for p in published[m] for pk in p.bottom} for m in months]
            for pk in sorted(wanted.intersection(*bottoms)):
                reason = _("left out: bottom of the usage league %(n)s months running (rule “%(rule)s”)") % {
                    "n": len(months),
                    "rule": _("Bottom of the league left out of automatic assignment"),
                }
                found[pk] = AssignmentStanding(excluded=True, reason=reason)
        if policy.priority_rule and months[0] in published:
            for pk in {pk for p in published[months[0]] for pk in p.top} & wanted:
                if pk not in found:
                    reason = _("top of the usage league of %(month)s first (rule “%(rule)s”)") % {
                        "month": f"{months[0]:%Y-%m}",
                        "rule": _("Top of the league first in automatic assignment"),
                    }
                    found[pk] = AssignmentStanding(priority=True, reason=reason)
        return found


assignment_preferences: AssignmentPreferences = LeagueAssignmentPreferences()
