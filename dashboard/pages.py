"""The page registry: app.py builds the navigation from it; tests render every entry.
A page is `dashboard/app_pages/<slug>.py`; it answers one user's question."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    slug: str
    title: str
    icon: str
    who: str
    question: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "Overview", ":material/dashboard:", "everyone",
             "Where do we stand: delivery, estimates, outcomes and retro follow-through at a glance?"),
    PageSpec("sprint_retro", "Sprint retro", ":material/sprint:", "scrum master / team",
             "How did we execute this sprint, and did last retro's actions happen?"),
    PageSpec("calibration", "Estimate calibration", ":material/straighten:", "tech lead",
             "How good are our estimates, where are we off, and when will the remaining work be done?"),
    PageSpec("outcomes", "Product outcomes", ":material/trending_up:", "PM",
             "Did what we shipped move the metric it was meant to move?"),
    PageSpec("retro_log", "Retro log", ":material/edit_note:", "facilitator",
             "What did we agree last time, is it done, and what do we commit to now?"),
    PageSpec("tech_health", "Tech health", ":material/monitor_heart:", "eng manager",
             "How healthy is our engineering, in one slide for stakeholders?"),
    PageSpec("data_sources", "Data", ":material/database:", "whoever runs Retroscope",
             "What is loaded, from where, how fresh, and can I trust it?"),
)
