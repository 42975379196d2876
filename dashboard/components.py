"""Small shared UI pieces: the data-freshness badge, empty states, metric help lines."""

from __future__ import annotations

import hashlib
import pickle
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.safe_text import md


def empty_state(what: str, command: str) -> None:
    """Say what is missing and the exact command that fills it."""
    st.info(f"{what}\n\nFill it with:\n```\n{command}\n```", icon=":material/lightbulb:")


def no_warehouse() -> None:
    db = data.db_label()
    st.title("Retroscope")
    st.warning(f"There is no warehouse at `{db}` yet.", icon=":material/database:")
    empty_state("Build the demo warehouse (two teams, a year of sprints, product metrics and retros), "
                "or sync your own Jira:",
                f"retroscope --db {db} demo\n# or\nretroscope --db {db} sync jira --url https://your-site.atlassian.net")


def freshness_badge() -> None:
    """A sidebar badge: how old the newest data is, per source."""
    fresh = data.run_query("status_freshness")
    if fresh.empty:
        st.sidebar.caption(":grey[No data loaded]")
        return
    newest = pd.Timestamp(fresh["last_finished_at"].max())
    age = datetime.now(UTC) - newest.to_pydatetime()
    hours = age.total_seconds() / 3600
    label = f"{hours:.0f} h ago" if hours < 48 else f"{hours / 24:.0f} days ago"
    colour = "green" if hours < 24 else ("orange" if hours < 24 * 7 else "red")
    sources = ", ".join(fresh["source"])
    as_of = pd.Timestamp(fresh["data_as_of"].max())
    st.sidebar.caption(f":{colour}[● Last load {label}] · data as of {as_of:%Y-%m-%d %H:%M} UTC · {sources}")


def how(text: str) -> None:
    """The one-line 'how this is computed' hint under a chart or figure."""
    st.caption(f":material/info: {text}")


def fmt_pct(v, digits: int = 0) -> str:
    return "–" if v is None or pd.isna(v) else f"{v * 100:.{digits}f} %"


def fmt_num(v, digits: int = 1, unit: str = "") -> str:
    return "–" if v is None or pd.isna(v) else f"{v:,.{digits}f}{unit}"


def page_header(title: str, f, question: str) -> None:
    """Title, the question the page answers, and the filter context in one line."""
    st.title(title)
    st.caption(f"{question}  \n{md(f.board_name)} · {f.date_from:%d %b %Y} – {f.date_to:%d %b %Y} · "
               f"as of {f.as_of:%Y-%m-%d %H:%M} UTC")


def _frame_key(df: pd.DataFrame) -> bytes:
    """Content hash of a frame for the figure cache (list columns included)."""
    return hashlib.blake2b(pickle.dumps(df, protocol=5), digest_size=16).digest()


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_key})
def _figure(builder: str, args: tuple):
    """Figures are cached by builder and inputs (frames hashed by content): building a
    plotly figure (validation) costs more than the cached query behind it."""
    return getattr(charts, builder)(*args)


def chart(builder, args: tuple, how_text: str, key: str) -> None:
    """An interactive chart `builder(*args)` (a dashboard.charts function) with its one-line
    'how this is computed' hint."""
    st.plotly_chart(_figure(builder.__name__, args), width="stretch", key=key, config={"displaylogo": False})
    how(how_text)


def with_links(df: pd.DataFrame, board_id: str | None, key_col: str = "issue_key") -> tuple[pd.DataFrame, dict]:
    """Add a Jira link column when the data comes from a Jira site (the demo has none:
    keys are shown as text). Returns the frame and the column config for st.dataframe."""
    if key_col not in df.columns or df.empty:
        return df, {}
    if "source" in df.columns:
        src = df["source"].astype("string")
        is_jira = src.str.startswith("jira:").fillna(False)
        if not is_jira.any():
            return df.drop(columns="source"), {}
        base = src.str.removeprefix("jira:").str.rstrip("/")
        out = df.drop(columns="source")
        out.insert(0, "link", (base + "/browse/" + out[key_col].astype("string")).where(is_jira))
    else:
        base = data.jira_base(board_id)
        if base is None:
            return df, {}
        out = df.copy()
        out.insert(0, "link", base + "/browse/" + out[key_col].astype(str))
    return out, {"link": st.column_config.LinkColumn("Jira", display_text=r".*/browse/(.*)")}


def table(df: pd.DataFrame, key: str, board_id: str | None = None, key_col: str = "issue_key",
          height: int | None = None, first: tuple[str, ...] = (), hide: tuple[str, ...] = (),
          column_config: dict | None = None) -> None:
    """A read-only table with Jira links for issue keys and friendly column formats; `first`
    columns lead, `hide` columns are left out (ids the reader does not need)."""
    lead = [c for c in first if c in df.columns]
    df = df[lead + [c for c in df.columns if c not in lead and c not in hide]]
    df, cfg = with_links(df, board_id, key_col)
    for c in df.columns:
        if c.endswith("_on") or c == "week":
            cfg[c] = st.column_config.DateColumn(c, format="YYYY-MM-DD")
        elif c.endswith("_at"):
            cfg[c] = st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")
    cfg.update(column_config or {})
    kwargs = {"height": height} if height else {}
    st.dataframe(df, hide_index=True, width="stretch", column_config=cfg, key=key, **kwargs)


def missing(what: str, fills: str) -> None:
    """Empty state for one section of a page."""
    st.info(f"{what} — {fills}", icon=":material/hourglass_empty:")


def retro_follow_up(f, key: str) -> None:
    """The team's last retro (actions and agreements with status), earlier open actions and
    agreement verdicts: what the next retro starts with."""
    p = f.params()
    last = data.run_query("sprint_retro__last_retro", **p)
    if last.empty:
        empty_state("No retro has been recorded for this team yet.",
                    "Record one on the Retro log page, or: retroscope import retro retros.json")
        return
    r = last.iloc[0]
    st.markdown(f"**{md(r.title or r.retro_id)}** · {md(r.team)} · held {r.held_on:%d %b %Y}")
    table(last.drop(columns=["retro_id", "held_on", "team", "title"]), key=f"{key}_last_retro")
    how("Action status as recorded in the Retro log; agreements are 'running' until their review date.")
    open_actions = data.maybe("retro__open_actions", **p)
    if open_actions is not None and not open_actions.empty:
        st.markdown("**Still open from earlier retros**")
        table(open_actions, key=f"{key}_open_actions", first=("held_on", "team", "retro_title", "text", "owner",
                                                              "due_on", "days_overdue"))
    evaluation = data.maybe("retro__agreement_evaluation", **p)
    if evaluation is not None and not evaluation.empty:
        st.markdown("**Working agreements: did they work?**")
        table(evaluation, key=f"{key}_agreements", first=("team", "text", "metric", "target", "direction", "verdict",
                                                          "before_value", "during_value", "start_on", "review_on"))
        how("Each agreement's linked metric over [start, review] vs the same-length window before the start: "
            "met / not met / too early / not measurable.")


CALIBRATION_COLUMNS = {
    "group_by": "by", "group": "group", "n": "n (ranges)", "hit_rate": "hit rate", "overrun_rate": "overrun",
    "underrun_rate": "underrun", "bias": "bias ×", "mdmre": "MdMRE", "pred25": "PRED(25)",
    "bias_pert": "bias × (PERT)", "pred25_pert": "PRED(25) PERT", "relative_width": "rel. width",
    "n_points": "n (points)", "ordering_accuracy": "ordering acc.", "spearman_rho": "Spearman ρ",
}


def calibration_table(cal: pd.DataFrame, key: str) -> None:
    """estimate_calibration as a table; groups too small to judge are greyed."""
    cols = [c for c in CALIBRATION_COLUMNS if c in cal.columns]
    shown = cal[cols].rename(columns=CALIBRATION_COLUMNS)
    small = cal["too_small"].fillna(True).to_numpy() if "too_small" in cal.columns else [False] * len(cal)
    pct = [CALIBRATION_COLUMNS[c] for c in ("hit_rate", "overrun_rate", "underrun_rate", "mdmre", "pred25",
                                            "pred25_pert", "ordering_accuracy") if c in cols]
    shown = shown.copy()
    for c in pct:
        shown[c] = shown[c] * 100
    styler = shown.style.apply(lambda r: ["color: #9aa3ad" if small[r.name] else "" for _ in r], axis=1)
    cfg = {c: st.column_config.NumberColumn(c, format="%.0f %%") for c in pct}
    cfg.update({c: st.column_config.NumberColumn(c, format="%.2f") for c in shown.columns
                if c not in pct and shown[c].dtype.kind == "f"})
    st.dataframe(styler, hide_index=True, width="stretch", key=key, column_config=cfg)
    how("Grey rows have fewer issues than the small-group limit ([estimates] small_group, default 5): too few "
        "to judge. MdMRE = median |actual − likely| ÷ actual; PERT = (best + 4·likely + worst) ÷ 6.")


def forecast_summary(fc: pd.DataFrame, where) -> None:
    """The two Monte Carlo answers in words (85 % confidence)."""
    def pick(question: str, conf: float):
        r = fc[(fc["question"] == question) & (fc["confidence"].round(2) == conf)]
        return r.iloc[0] if len(r) else None

    when, many = pick("when", 0.85), pick("how_many", 0.85)
    lines = []
    if when is not None and when.value == when.value:
        lines.append(f"**When:** done by **{when.on_date}** (85 % of runs; 50 %: {pick('when', 0.5).on_date})")
    if many is not None and many.value == many.value:
        lines.append(f"**How many:** at least **{many.value:.0f}** items by {many.on_date} (85 %)")
    where.markdown("  \n".join(lines) or "Not enough completed work in the window to forecast.")


def _kpi_text(v, unit: str) -> str:
    if v is None or pd.isna(v):
        return "–"
    return fmt_pct(v) if unit == "share" else fmt_num(v, 1, " d") if unit == "days" else f"{v:,.0f}"


def kpi_metric(where, kpis: pd.DataFrame, kpi: str, label: str | None = None) -> None:
    """One row of tech_health__kpis as an st.metric: value, change vs the previous period
    (green when it moved the good way), target when set."""
    r = kpis[kpis["kpi"] == kpi]
    if r.empty:
        where.metric(label or kpi, "–")
        return
    r = r.iloc[0]
    delta = None
    if pd.notna(r.value) and pd.notna(r.previous_value):
        d = r.value - r.previous_value
        delta = (f"{d * 100:+.0f} pp" if r.unit == "share" else f"{d:+.1f} d" if r.unit == "days" else f"{d:+.0f}")
        delta += f" vs {_kpi_text(r.previous_value, r.unit)} before"
    colour = {"up": "normal", "down": "inverse"}.get(r.better, "off")
    help_text = f"target {fmt_pct(r.target)}" if pd.notna(r.target) else None
    where.metric(label or r.label, _kpi_text(r.value, r.unit), delta, delta_color=colour, help=help_text)


def last_closed_sprints(sprints: pd.DataFrame) -> pd.DataFrame:
    """The latest closed sprint of each board."""
    closed = sprints[sprints["state"] == "closed"].sort_values("start_at")
    return closed.groupby("board_id", as_index=False).tail(1)


def follow_through(ft: pd.DataFrame) -> tuple[float | None, int]:
    """Action items done by their due date / action items due, over the retros listed."""
    due = int(ft["actions_due"].fillna(0).sum()) if not ft.empty else 0
    return (ft["actions_done_on_time"].fillna(0).sum() / due if due else None), due


def page_directory() -> None:
    """Which page answers which question (links)."""
    from dashboard.pages import PAGES

    for p in PAGES[1:]:
        st.page_link(f"app_pages/{p.slug}.py", label=f"**{p.title}** — {p.question} _({p.who})_", icon=p.icon)


STATUS_BADGES = {"good": ":green-badge[:material/check_circle: good]", "watch": ":orange-badge[:material/warning: watch]",
                 "bad": ":red-badge[:material/error: bad]", "no data": ":gray-badge[no data]"}


def kpi_tile(where, k) -> None:
    """One tech-health KPI (queries.tech_health.KPI): value, change, target, status in words."""
    with where.container(border=True):
        st.markdown(f"**{k.label}** {STATUS_BADGES.get(k.status, k.status)}")
        st.markdown(f"### {k.value_text()} {k.unit_word()}")
        st.caption(" · ".join(t for t in (k.delta_text(), k.target_text(), k.detail) if t))
        st.caption(k.definition)


def sprint_rows(rows) -> pd.DataFrame:
    """queries.tech_health.SprintRow tuples as a table."""
    return pd.DataFrame([{"sprint": r.name, "start": r.start_on, "end": r.end_on, "committed pt": r.committed_points,
                          "completed pt": r.completed_points, "say/do": fmt_pct(r.say_do_ratio),
                          "carried over": r.carryover_issues} for r in rows])


def retro_items(retro) -> None:
    """The latest retro's open actions and agreements (queries.tech_health.RetroItems)."""
    if retro is None:
        st.caption("No retro recorded on or before the as-of date.")
        return
    st.markdown(f"**{md(retro.title)}** · held {retro.held_on:%d %b %Y}")
    for text, due in retro.open_actions:
        st.markdown(f"- :material/radio_button_unchecked: {md(text)}" + (f" _(due {due:%d %b})_" if due else ""))
    for text, start, review, metric in retro.agreements:
        st.markdown(f"- :material/handshake: {md(text)} _({start:%d %b} → review {review:%d %b}"
                    + (f", metric {md(metric)}" if metric else "") + ")_")
    if not retro.open_actions and not retro.agreements:
        st.caption("Nothing left open.")


VERDICT_BADGES = {"moved": ":green-badge[:material/trending_up: moved]",
                  "moved the wrong way": ":red-badge[:material/trending_down: moved the wrong way]",
                  "no detectable change": ":gray-badge[:material/trending_flat: no detectable change]",
                  "too early": ":orange-badge[:material/schedule: too early]",
                  "not enough data": ":gray-badge[:material/help: not enough data]"}
VERDICT_COLUMN = {"verdict": st.column_config.TextColumn("verdict", help="moved / no detectable change / moved the "
                                                         "wrong way / too early / not enough data; met / not met")}


NO_IMPACT = pd.DataFrame(columns=["item_key", "item_name", "metric", "verdict", "shipped_on", "effect_rel"])


def metric_label(metrics: pd.DataFrame, metric: str) -> str:
    r = metrics[metrics["metric"] == metric].iloc[0]
    return str(r.description or r.unit or "")


def impact_cards(impact: pd.DataFrame, key: str) -> None:
    """One card per shipped item × metric: effect with its interval, verdict badge, confounders."""
    cols = st.columns(3)
    for i, r in enumerate(impact.itertuples()):
        with cols[i % 3].container(border=True, key=f"{key}_{i}"):
            st.markdown(f"**{md(r.item_name)}** {md(r.item_key)}  \nshipped {pd.Timestamp(r.shipped_on):%d %b %Y} · "
                        f"metric **{md(r.metric)}**")
            st.markdown(VERDICT_BADGES.get(r.verdict, r.verdict))
            if pd.notna(r.effect_rel):
                st.markdown(f"Effect **{r.effect_rel * 100:+.1f} %** "
                            f"(95 % interval {r.ci_low_rel * 100:+.1f} % to {r.ci_high_rel * 100:+.1f} %) · "
                            f"absolute {r.effect_abs:+,.3g}")
            elif isinstance(getattr(r, "note", None), str) and r.note:
                st.caption(r.note)
            if isinstance(r.confounded_by, str) and r.confounded_by:
                st.caption(f":material/warning: confounded: {md(r.confounded_by)} shipped within the same window")


# --------------------------------------------------------------------------- retro log
CARD_COLUMNS = {
    "scrum": ("Went well", "Didn't go well", "To improve"),
    "product": ("What moved", "What didn't", "What we learn"),
    "pm-eng": ("Product perspective", "Engineering perspective", "Collaboration improvements"),
}
KIND_LABELS = {"scrum": "Scrum (sprint) retro", "product": "Product retro", "pm-eng": "PM / engineering retro"}
FLASH = "retro_log_flash"


def save(what: str, fn, **kwargs) -> bool:
    """Write through connectors.userdata (which validates before writing). On a user error
    show it and write nothing; on success refresh the data and rerun with a confirmation."""
    from queries.errors import RetroscopeError

    try:
        fn(data.userdata_path(), **kwargs)
    except RetroscopeError as e:
        st.error(f"Not saved: {e}", icon=":material/error:")
        return False
    data.invalidate_userdata()
    st.session_state[FLASH] = f"Saved: {what}"
    st.rerun()
    return True


def flash() -> None:
    msg = st.session_state.pop(FLASH, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def retro_label(retros: pd.DataFrame):
    by_id = retros.set_index("retro_id")
    return lambda rid: (f"{by_id.at[rid, 'held_on']:%d %b %Y} · {by_id.at[rid, 'team']} · "
                        f"{by_id.at[rid, 'title'] or KIND_LABELS[by_id.at[rid, 'kind']]}")


def new_retro_form(default_team: str, key: str) -> None:
    """Create a retro (kind, team, date, title)."""
    from datetime import date

    from connectors.userdata import create_retro

    with st.form(key, clear_on_submit=False, border=True):
        st.markdown("**New retro**")
        kind = st.selectbox("Kind", list(KIND_LABELS), format_func=KIND_LABELS.get, key=f"{key}_kind")
        team = st.text_input("Team", value=default_team, key=f"{key}_team")
        held = st.date_input("Held on", value=date.today(), key=f"{key}_held")
        title = st.text_input("Title (optional)", key=f"{key}_title")
        if st.form_submit_button("Create retro", type="primary"):
            def create(path, **kw):
                st.session_state["retro_log_retro"] = create_retro(path, **kw)

            save("new retro", create, held_on=held, team=team, kind=kind, title=title or None, as_of=date.today())


def card_board(retro, cards: pd.DataFrame, key: str) -> None:
    """Anonymous cards in three columns, each with a small form to add one."""
    from connectors.userdata import add_card

    columns = CARD_COLUMNS.get(retro.kind, CARD_COLUMNS["scrum"])
    for i, (where, name) in enumerate(zip(st.columns(3), columns, strict=True)):
        with where:
            st.markdown(f"**{name}**")
            for c in cards[cards["column_name"] == name].itertuples():
                with st.container(border=True):
                    st.markdown(md(c.text))
                    st.caption(" · ".join(t for t in (f":material/sell: {md(c.theme)}" if c.theme else "",
                                                      f":material/thumb_up: {c.votes}") if t))
            with st.expander("Add a card", icon=":material/add:"), st.form(f"{key}_{i}", clear_on_submit=True,
                                                                            border=False):
                text = st.text_area("Card", key=f"{key}_{i}_text", height=68, placeholder="Anonymous: no name is stored")
                theme = st.text_input("Theme", key=f"{key}_{i}_theme")
                votes = st.number_input("Votes", min_value=0, max_value=99, value=0, key=f"{key}_{i}_votes")
                if st.form_submit_button("Add card"):
                    save("card", add_card, retro_id=retro.retro_id, column=name, text=text, theme=theme or None,
                         votes=int(votes))
    other = cards[~cards["column_name"].isin(columns)]
    if not other.empty:
        st.caption("Cards under other prompts (imported)")
        table(other, key=f"{key}_other")


def action_editor(retro, actions: pd.DataFrame, key: str) -> None:
    """Action items as an editable table (owner, due, status, done on) plus a form to add one."""
    from datetime import date

    from connectors.userdata import add_action, update_action

    if actions.empty:
        st.caption("No action items yet.")
    else:
        edited = st.data_editor(
            actions, key=f"{key}_table", hide_index=True, width="stretch", disabled=["action_id"],
            column_config={"action_id": None, "status": st.column_config.SelectboxColumn(
                "status", options=["open", "done", "dropped"], required=True),
                "due_on": st.column_config.DateColumn("due on"), "done_on": st.column_config.DateColumn("done on")})
        changes = action_changes(actions, edited)
        if changes and st.button(f"Save {len(changes)} changed action item(s)", key=f"{key}_save", type="primary"):
            def apply(path):
                for action_id, change in changes:
                    if change.get("status") == "done" and not change.get("done_on"):
                        change["done_on"] = date.today()
                    update_action(path, action_id, as_of=date.today(), **change)
            save("action items", apply)
    with st.form(f"{key}_new", clear_on_submit=True, border=True):
        c = st.columns([3, 1, 1])
        text = c[0].text_input("New action item", key=f"{key}_text", placeholder="What will be done, observably")
        owner = c[1].text_input("Owner", key=f"{key}_owner", help="Who drives it (never used for per-person figures)")
        due = c[2].date_input("Due", value=None, key=f"{key}_due")
        if st.form_submit_button("Add action item", type="primary"):
            save("action item", add_action, retro_id=retro.retro_id, text=text, owner=owner or None, due_on=due)


def action_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple[str, dict]]:
    """(action_id, changed fields) for the rows the editor changed."""
    out = []
    cols = ["text", "owner", "due_on", "status", "done_on"]
    for (_, b), (_, a) in zip(before.iterrows(), after.iterrows(), strict=True):
        change = {}
        for c in cols:
            bv, av = b[c], a[c]
            bv = None if pd.isna(bv) else (bv.date() if isinstance(bv, pd.Timestamp) else bv)
            av = None if pd.isna(av) else (av.date() if isinstance(av, pd.Timestamp) else av)
            if bv != av:
                change[c] = av
        if change:
            out.append((b["action_id"], change))
    return out


def agreement_form(retro, choices: pd.DataFrame, key: str) -> None:
    from datetime import date, timedelta

    from connectors.userdata import add_agreement

    metrics = [None] + choices.loc[choices["kind"].isin(["delivery", "product"]), "value"].tolist()
    with st.form(key, clear_on_submit=True, border=True):
        text = st.text_input("New working agreement", key=f"{key}_text",
                             placeholder="Observable, bilateral, time-boxed: who does what, by when")
        c = st.columns(5)
        start = c[0].date_input("Start", value=date.today(), key=f"{key}_start")
        review = c[1].date_input("Review on", value=date.today() + timedelta(days=42), key=f"{key}_review")
        metric = c[2].selectbox("Linked metric", metrics, key=f"{key}_metric",
                                format_func=lambda m: "— none —" if m is None else m)
        target = c[3].number_input("Target", value=None, key=f"{key}_target", help="e.g. 0.2 for a 20 % share")
        direction = c[4].selectbox("Better when", [None, "up", "down"], key=f"{key}_direction",
                                   format_func=lambda d: "metric's default" if d is None else d)
        if st.form_submit_button("Add agreement", type="primary"):
            save("working agreement", add_agreement, retro_id=retro.retro_id, text=text, start_on=start,
                 review_on=review, metric=metric, target=target, direction=direction)


def hypothesis_form(retro, choices: pd.DataFrame, key: str) -> None:
    from connectors.userdata import add_hypothesis

    items = choices[choices["kind"] == "item"]
    product = choices.loc[choices["kind"] == "product", "value"].tolist()
    if items.empty or not product:
        st.caption("Hypotheses need a shipped item and a product metric: `retroscope import features …` and "
                   "`retroscope import metrics …`.")
        return
    labels = dict(zip(items["value"], items["label"], strict=True))
    with st.form(key, clear_on_submit=True, border=True):
        c = st.columns(4)
        item = c[0].selectbox("Shipped item", list(labels), format_func=labels.get, key=f"{key}_item")
        metric = c[1].selectbox("Should move", product, key=f"{key}_metric")
        direction = c[2].selectbox("Direction", ["up", "down"], key=f"{key}_direction")
        min_change = c[3].number_input("Minimum change (%)", min_value=0.0, max_value=1000.0, value=2.0,
                                       key=f"{key}_min")
        if st.form_submit_button("Add hypothesis", type="primary"):
            save("hypothesis", add_hypothesis, retro_id=retro.retro_id, item_key=item, metric=metric,
                 direction=direction, min_change=min_change / 100, known_metrics=set(product))
