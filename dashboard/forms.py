"""The Retro log's forms: the only page blocks that write user input (retros, cards, actions,
carried-in actions, agreements, hypotheses), each through `connectors.userdata` and with its
errors in plain words."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, present
from dashboard.components import table
from dashboard.safe_text import md
from queries.dates import day_words
from queries.retro_text import KIND_LABELS, retro_title

# --------------------------------------------------------------------------- retro log
CARD_COLUMNS = {
    "scrum": ("Went well", "Didn't go well", "To improve"),
    "product": ("What moved", "What didn't", "What we learn"),
    "pm-eng": ("Product perspective", "Engineering perspective", "Collaboration improvements"),
}
FLASH = "retro_log_flash"
ITS_TARGET = None   # the hypothesis form's default metric and direction: the shipped item's own
GEN = "retro_log_form_gen"   # session state: form -> entries it saved this session (its widgets' keys carry it)


def widget_keys(form: str):
    """The keys of a form's widgets, `name -> f"{form}_{name}"`, with the number of entries the
    form has saved in this session after a tilde once it has saved one. A saved entry gives the
    form new widgets, which the browser draws empty; a refused one keeps the widgets, and what
    was typed in them. (The forms are not cleared on submit, which would throw a refused entry
    away; nor by deleting their widgets' state, which Streamlit 1.67 does not send to the
    browser: the old text stayed on screen and came back on the next click.)"""
    gen = st.session_state.get(GEN, {}).get(form, 0)
    return lambda name: f"{form}_{name}" if gen == 0 else f"{form}_{name}~{gen}"


def save(what: str, fn, what_after=None, form: str | None = None, **kwargs) -> bool:
    """Write through connectors.userdata (which validates before writing). On a user error
    show it and write nothing: the form keeps what was typed, to be mended and sent again. On
    success refresh the data and rerun with a confirmation (`what_after()`, when given, words
    it after the write), the `form`'s widgets new and empty (`widget_keys`)."""
    from queries.errors import RetroscopeError

    try:
        fn(data.userdata_path(), **kwargs)
    except RetroscopeError as e:
        refused(present.plain_error(str(e)))
        return False
    data.invalidate_userdata()
    st.session_state[FLASH] = f"Saved: {what_after() if what_after else what}"
    if form is not None:
        st.session_state[GEN] = {**st.session_state.get(GEN, {}),
                                 form: st.session_state.get(GEN, {}).get(form, 0) + 1}
    st.rerun()
    return True


def folded(label: str, key: str):
    """An entry form folded under `label`: a collapsed expander (its state under `{key}_open`)
    whose form is run and drawn only while it is open; the expander when open (the caller draws
    the form `with` it), else None. Opening one reruns the page. Folded, a form costs the browser
    nothing on a visit: each visit to a page is a new document, which draws every widget on it
    again (the Retro log settled ~0.17 s sooner at 100k issues with its five add-forms folded,
    docs/pages.md). Closing one drops what was typed in it."""
    box = st.expander(label, icon=":material/add:", key=f"{key}_open", on_change="rerun")
    return box if box.open else None


def refused(why: str) -> None:
    """A form's entry not saved, and why (what was typed stays in the form)."""
    st.error(f"Not saved. {why}", icon=":material/error:")


def flash() -> None:
    """The last save's confirmation."""
    msg = st.session_state.pop(FLASH, None)
    if msg:
        st.success(msg, icon=":material/check_circle:")


def retro_label(retros: pd.DataFrame):
    by_id = retros.set_index("retro_id")
    return lambda rid: (f"{day_words(by_id.at[rid, 'held_on'])} · {by_id.at[rid, 'team']} · "
                        f"{retro_title(by_id.at[rid, 'title'], by_id.at[rid, 'kind'], by_id.at[rid, 'held_on'])}")


def retro_picker(retros: pd.DataFrame, f, key: str) -> str:
    """Pick the retro to work on: the one in the URL (`retro=`), else the one just created,
    else the selected team's latest retro held by the as-of day (with All teams: of any team,
    its team named in the label; none by then: the latest). The choice is kept in the URL so a
    link opens the same retro."""
    ids = retros["retro_id"].tolist()
    want = st.query_params.get("retro")
    stale_link = bool(want) and want not in ids and want != st.session_state.get(key)   # not this session's choice
    if st.session_state.get(key) not in ids:
        # by default the latest held by the as-of day, as every figure on the page is as of it
        # (later ones stay in the list); none by then: the latest
        day = data.local_day(f.as_of)
        held = retros.loc[pd.to_datetime(retros["held_on"]).dt.date <= day, "retro_id"]
        st.session_state[key] = want if want in ids else (held.iloc[0] if len(held) else ids[0])
    rid = st.selectbox("Retro", ids, format_func=retro_label(retros), key=key,
                       help="Newest first; with a team chosen in the sidebar, only that team's retros")
    if stale_link:
        st.sidebar.warning(f"Link parameter retro={md(want[:40])} is not a retro of this team; showing "
                           f"{md(retro_label(retros)(rid))} instead.", icon=":material/link_off:")
    if st.query_params.get("retro") != rid:
        st.query_params["retro"] = rid
    return rid


def jira_base(board_id: str | None) -> str | None:
    """Where Jira keys link to: the synced Jira site of the board (or the only one), else the
    configured site (`[jira] url` / JIRA_URL). None: keys are shown as text."""
    from urllib.parse import urlsplit

    base = data.jira_base(board_id)
    if base is None:
        parts = urlsplit((data.settings().jira.url or "").strip())
        ok = parts.scheme in ("https", "http") and parts.hostname
        # scheme, host and path only: credentials or a query in the URL never reach the page
        base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}".rstrip("/") if ok else None
    return base


def with_jira_links(df: pd.DataFrame, board_id: str | None, col: str = "jira_key") -> tuple[pd.DataFrame, dict]:
    """A `link` column to each row's Jira issue (rows without a key: none) and its column
    config, when a Jira site is known. Retroscope only links: it never writes to Jira."""
    base = jira_base(board_id)
    if base is None or col not in df.columns or df.empty:
        return df, {}
    out = df.copy()
    keys = out[col].astype("string")
    out.insert(0, "link", (base + "/browse/" + keys).where(keys.notna()))
    return out, {"link": st.column_config.LinkColumn("Jira", display_text=r".*/browse/(.*)")}


def new_retro_form(default_team: str, key: str) -> None:
    """Start a retro (kind, team, date, title): the team's open actions are carried in."""
    from connectors.userdata import start_retro

    today = data.today()   # where the team reports: a retro is held by today at the latest
    with st.form(key, clear_on_submit=False, border=True):
        st.markdown("**New retro**")
        kind = st.selectbox("Kind", list(KIND_LABELS), format_func=KIND_LABELS.get, key=f"{key}_kind")
        team = st.text_input("Team", value=default_team, key=f"{key}_team")
        held = st.date_input("Held on", value=today, max_value=today, key=f"{key}_held")
        title = st.text_input("Title (optional)", key=widget_keys(key)("title"))
        st.caption("Actions the team left open at earlier retros are carried in (the same actions, not copies).")
        if st.form_submit_button("Create retro", type="primary"):
            carried = []

            def create(path, **kw):
                rid, n = start_retro(path, **kw)
                st.session_state["retro_log_retro"] = rid
                carried.append(n)

            save("new retro", create, held_on=held, team=team, kind=kind, title=title or None, as_of=today,
                 what_after=lambda: f"new retro · {carried[0]} open action(s) carried in" if carried else "new retro",
                 form=key)


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
            box = folded("Add a card", f"{key}_{i}")
            if box is None:
                continue
            with box, st.form(f"{key}_{i}", clear_on_submit=False, border=False):
                k = widget_keys(f"{key}_{i}")
                text = st.text_area("Card", key=k("text"), height=68, placeholder="Anonymous: no name is stored")
                theme = st.text_input("Theme", key=k("theme"))
                votes = st.number_input("Votes", min_value=0, max_value=99, value=0, key=k("votes"))
                if st.form_submit_button("Add card"):
                    save("card", add_card, retro_id=retro.retro_id, column=name, text=text, theme=theme or None,
                         votes=int(votes), form=f"{key}_{i}")
    other = cards[~cards["column_name"].isin(columns)]
    if not other.empty:
        st.caption("Cards under other prompts (imported)")
        table(other, key=f"{key}_other")


def action_editor(retro, actions: pd.DataFrame, key: str, board_id: str | None = None) -> None:
    """Action items as an editable table (owner, due, status, done on, Jira key, with a link to
    the issue) plus a form to add one."""
    from connectors.userdata import add_action, update_action

    if actions.empty:
        st.caption("No action items yet.")
    else:
        linked, link_cfg = with_jira_links(actions, board_id)
        edited = st.data_editor(
            linked, key=f"{key}_table", hide_index=True, width="stretch", disabled=["action_id", "link"],
            placeholder="",   # an empty owner, date or key shows as an empty cell, not the word "None"
            column_config={"action_id": None, "status": st.column_config.SelectboxColumn(
                "status", options=["open", "done", "dropped"], required=True),
                "due_on": st.column_config.DateColumn("due on"), "done_on": st.column_config.DateColumn("done on"),
                "jira_key": st.column_config.TextColumn("Jira key", help="The Jira issue that tracks it, e.g. "
                                                        "ABC-123 (Retroscope only links to it)"), **link_cfg})
        changes = action_changes(actions, edited)
        if changes and st.button(f"Save {len(changes)} changed action item(s)", key=f"{key}_save", type="primary"):
            def apply(path):
                for action_id, change in changes:
                    if change.get("status") == "done" and not change.get("done_on"):
                        change["done_on"] = data.today()
                    update_action(path, action_id, as_of=data.today(), **change)
            save("action items", apply)
    with st.form(f"{key}_new", clear_on_submit=False, border=True):
        st.caption(f"Adds to **{retro.team}** · {retro_title(retro.title, retro.kind, retro.held_on)} "
                   f"(held {day_words(retro.held_on)})")
        c = st.columns([3, 1, 1, 1])
        k = widget_keys(key)
        text = c[0].text_input("New action item", key=k("text"), placeholder="What will be done, observably")
        owner = c[1].text_input("Owner", key=k("owner"), help="Who drives it (never used for per-person figures)")
        due = c[2].date_input("Due", value=None, key=k("due"))
        jira = c[3].text_input("Jira key", key=k("jira"), placeholder="ABC-123",
                               help="Optional: the Jira issue that tracks it (Retroscope only links to it)")
        if st.form_submit_button("Add action item", type="primary"):
            save("action item", add_action, retro_id=retro.retro_id, text=text, owner=owner or None, due_on=due,
                 jira_key=jira or None, form=key)


def action_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[tuple[str, dict]]:
    """(action_id, changed fields) for the rows the editor changed."""
    out = []
    cols = ["text", "owner", "due_on", "status", "done_on", "jira_key"]
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


def carried_in(retro, carried: pd.DataFrame, key: str, board_id: str | None = None) -> None:
    """The actions carried into this retro (one action each, not copies), with their age, and
    a form to mark them done or dropped here (done on = this retro's day)."""
    from connectors.userdata import review_action

    if carried.empty:
        st.caption("Nothing was carried in: the team had no open actions when this retro was started.")
        return
    # two statuses, named apart: the action's now, and the one this retro left it in
    linked, cfg = with_jira_links(carried.rename(columns={"status": "status_now", "status_here": "status_at_this_retro"}),
                                  board_id)
    table(linked, key=f"{key}_table", column_config=cfg,
          first=("link", "text", "status_now", "status_at_this_retro", "age_days", "times_carried", "from_retro",
                 "agreed_on", "due_on", "owner"),
          hide=("jira_key",) if cfg else ())
    labels = dict(zip(carried["action_id"], carried["text"], strict=True))
    with st.form(key, clear_on_submit=False, border=True):
        c = st.columns([3, 1])
        k = widget_keys(key)
        picked = c[0].multiselect("Actions", list(labels), format_func=labels.get, key=k("pick"),
                                  placeholder="Choose the actions reviewed")
        status = c[1].selectbox("Mark as", ["done", "dropped", "open"], key=k("status"))
        if st.form_submit_button("Update carried actions", type="primary"):
            if not picked:
                refused("Choose at least one action to update.")
                return

            def apply(path):
                for action_id in picked:
                    review_action(path, action_id, retro.retro_id, status=status, as_of=data.today())
            save(f"{len(picked)} carried action(s) marked {status}", apply, form=key)


def with_verdicts(outcomes: pd.DataFrame, agreement_verdicts: pd.DataFrame,
                  hypothesis_verdicts: pd.DataFrame | None) -> pd.DataFrame:
    """`verdict` and `reason` for each agreement (retro_log__agreement_verdicts) and
    hypothesis (queries.impact.hypotheses_table: its verdict and note) of `outcomes`, by
    outcome_id (rows of kind agreement/hypothesis) or agreement_id / hypothesis_id."""
    by = {}
    for r in agreement_verdicts.itertuples():
        by[("agreement", r.agreement_id)] = (r.verdict, r.reason)
    if hypothesis_verdicts is not None:
        for r in hypothesis_verdicts.itertuples():
            by[("hypothesis", r.hypothesis_id)] = (r.verdict, r.note)
    if "outcome_id" in outcomes.columns:
        keys = list(zip(outcomes["kind"], outcomes["outcome_id"], strict=True))
    else:
        kind = "agreement" if "agreement_id" in outcomes.columns else "hypothesis"
        keys = [(kind, i) for i in outcomes[f"{kind}_id"]]
    out = outcomes.copy()
    out["verdict"] = [by.get(k, (None, None))[0] for k in keys]
    out["reason"] = [by.get(k, (None, None))[1] for k in keys]
    if "direction" in out.columns and "direction" in agreement_verdicts.columns:
        # an agreement left at "metric's default" shows the direction it is judged by
        judged = dict(zip(agreement_verdicts["agreement_id"], agreement_verdicts["direction"], strict=True))
        fill = [judged.get(i) if kind == "agreement" else None for kind, i in keys]
        out["direction"] = out["direction"].where(out["direction"].notna(), pd.Series(fill, index=out.index))
    return out


def action_choices(retro_actions: pd.DataFrame, carried: pd.DataFrame) -> dict:
    """The actions an agreement or hypothesis of this retro may come out of: id -> text; two
    actions with the same text (agreed again at a later retro) are told apart by where each
    was agreed ('… (this retro)', '… (ATL Sprint 4 retro)')."""
    rows = [(i, t, "this retro") for i, t in zip(retro_actions["action_id"], retro_actions["text"], strict=True)]
    rows += [(i, t, w) for i, t, w in zip(carried["action_id"], carried["text"],
                                          carried.get("from_retro", pd.Series([None] * len(carried))), strict=True)]
    seen = pd.Series([t for _, t, _ in rows]).value_counts() if rows else pd.Series(dtype=int)
    out = {None: "— none —"}
    for i, t, where in rows:
        out.setdefault(i, f"{t} ({where})" if seen.get(t, 0) > 1 and where else t)
    return out


def agreement_form(retro, choices: pd.DataFrame, key: str, actions: dict | None = None) -> None:
    from datetime import timedelta

    from connectors.userdata import add_agreement

    box = folded("Add a working agreement", key)
    if box is None:
        return
    linkable = choices[choices["kind"].isin(["delivery", "product"])]
    metrics = [None] + linkable["value"].tolist()
    # what each metric measures (fct_retro_delivery_metrics' definitions, the catalog's
    # descriptions): a form cannot show the chosen one's until it is submitted, so all of them
    defined = "\n".join(f"- **{md(present.metric_name(m))}**: {md(str(d))}"
                         for m, d in zip(linkable["value"], linkable["label"], strict=True) if str(d) != m)
    with box, st.form(key, clear_on_submit=False, border=False):
        k = widget_keys(key)
        text = st.text_input("New working agreement", key=k("text"),
                             placeholder="Observable, bilateral, time-boxed: who does what, by when")
        c = st.columns(5)
        start = c[0].date_input("Start", value=data.today(), key=k("start"))
        review = c[1].date_input("Review on", value=data.today() + timedelta(days=42), key=k("review"))
        metric = c[2].selectbox("Linked metric", metrics, key=k("metric"),
                                format_func=lambda m: "— none —" if m is None else present.metric_name(m),
                                help=("What each metric measures over the agreement's window:\n" + defined)
                                if defined else None)
        target = c[3].number_input("Target", value=None, key=k("target"),
                                   help="In the metric's unit; shares in percent (20 for 20 % debt share), "
                                        "cycle time in days")
        direction = c[4].selectbox("Better when", [None, "up", "down"], key=k("direction"),
                                   format_func=lambda d: "metric's default" if d is None else d)
        actions = actions or {None: "— none —"}
        action = st.selectbox("From action", list(actions), format_func=actions.get, key=k("action"),
                              help="The action item it came out of: its verdict is shown next to that action")
        if st.form_submit_button("Add agreement", type="primary"):
            if target is not None and metric in present.SHARE_METRICS:
                if 0 < abs(target) < 1:        # 0.8 meant as 80 % would be saved as 0.8 %
                    refused(f"Target {target:g} for {present.metric_name(metric)} reads as {target:g} %: shares "
                            f"are typed in percent, e.g. {target * 100:g} for {target * 100:g} %; correct the "
                            "target and add the agreement again")
                    return
                target = target / 100          # typed in percent, stored as a share
            save("working agreement", add_agreement, retro_id=retro.retro_id, text=text, start_on=start,
                 review_on=review, metric=metric, target=target, direction=direction, action_id=action,
                 form=key)


def hypothesis_form(retro, choices: pd.DataFrame, key: str, actions: dict | None = None) -> None:
    from connectors.userdata import add_hypothesis

    items = choices[choices["kind"] == "item"]
    product = choices.loc[choices["kind"] == "product", "value"].tolist()
    if items.empty or not product:
        st.caption("Hypotheses need a shipped item and a product metric: `retroscope import features …` and "
                   "`retroscope import metrics …`.")
        return
    box = folded("Add a hypothesis", key)
    if box is None:
        return
    # each item with the metrics it targets that have data ("ATL-E1 · One-click checkout → conversion
    # rate"); the metric defaults to the item's own target, whichever item is picked (a form does not
    # rerun when its item changes, so the default is resolved when it is sent)
    targets = {v: [m for m in t if m in product] for v, t in zip(items["value"], items["targets"], strict=True)}
    expected = {v: e for v, e in zip(items["value"], items["expected"], strict=True) if e in ("up", "down")}
    labels = {v: lab + (" → " + ", ".join(present.metric_name(m) for m in targets[v]) if targets[v] else "")
              for v, lab in zip(items["value"], items["label"], strict=True)}
    with box, st.form(key, clear_on_submit=False, border=False):
        c = st.columns(4)
        k = widget_keys(key)
        item = c[0].selectbox("Shipped item", list(labels), format_func=labels.get, key=k("item"))
        metric = c[1].selectbox("Should move", [ITS_TARGET] + product, key=k("metric"),
                                format_func=lambda m: "the metric the item targets" if m is ITS_TARGET
                                else present.metric_name(m),
                                help="By default the first metric the shipped item names as its target (shown "
                                     "after its name); or choose any product metric")
        direction = c[2].selectbox("Direction", [ITS_TARGET, "up", "down"], key=k("direction"),
                                   format_func=lambda d: "as the item expects" if d is ITS_TARGET else d,
                                   help="By default the direction the shipped item expects its metrics to move in")
        min_change = c[3].number_input("Minimum change (%)", min_value=0.0, max_value=1000.0, value=2.0,
                                       key=k("min"))
        actions = actions or {None: "— none —"}
        action = st.selectbox("From action", list(actions), format_func=actions.get, key=k("action"),
                              help="The action item it came out of: its verdict is shown next to that action")
        if st.form_submit_button("Add hypothesis", type="primary"):
            if metric is ITS_TARGET:
                if not targets[item]:
                    refused(f"{item} names no target metric with data; choose the metric it should move")
                    return
                metric = targets[item][0]
            if direction is ITS_TARGET:
                direction = expected.get(item) or "up"
            save("hypothesis", add_hypothesis, retro_id=retro.retro_id, item_key=item, metric=metric,
                 direction=direction, min_change=min_change / 100, known_metrics=set(product), action_id=action,
                 form=key)
