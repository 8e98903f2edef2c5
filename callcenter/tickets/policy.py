"""Where a ticket goes and when it is due, from the hotline file: the department that handles its
category, and the SLA of the category (R6 inquiry 30 min, R7 complaint 48 h, R8 repair — the
promised visit time wins — R19 urgent repairs shorter)."""

from __future__ import annotations

import datetime as dt

from callcenter.hotline import Hotline


def department_for(hotline: Hotline, category: str) -> str | None:
    for department in hotline.departments:
        if category in department.categories:
            return department.id
    return hotline.menu.default_department


def due_at(hotline: Hotline, category: str, urgent: bool, created: dt.datetime,
           visit_at: dt.datetime | None = None) -> dt.datetime:
    sla = hotline.sla
    if category == "repair" and urgent:
        return created + dt.timedelta(minutes=sla.urgent_repair_minutes)
    if category == "repair" and visit_at is not None:
        return visit_at  # R8: the time promised to the caller is the deadline
    minutes = {
        "repair": sla.repair_minutes,
        "inquiry": sla.inquiry_minutes,
        "complaint": sla.complaint_minutes,
    }.get(category, sla.default_minutes)
    return created + dt.timedelta(minutes=minutes)
