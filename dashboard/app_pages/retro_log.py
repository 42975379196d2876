"""Retro log (facilitator): record a retro — anonymous cards, action items, working
agreements, hypotheses — starting from what earlier retros left open (carried in)."""

import streamlit as st

from dashboard import blocks, components, data, forms
from dashboard.filters import sidebar

f = sidebar()
p = f.params()
components.page_header("Retro log", f, "What did we agree last time, is it done, and what do we commit to now?")
forms.flash()

st.subheader("Open actions")
open_actions = data.run_query("retro__open_actions", **p)
if open_actions.empty:
    st.caption("No action item is open at the as-of date.")
else:
    blocks.open_actions_table(open_actions, key="retro_log_open", one_team=f.board_id is not None)
    components.how("Every action item still open at the as-of date, the latest retro's included, oldest retro first; "
                   "days overdue is blank until its due date (or, without one, the next retro) has passed. Mark "
                   "them done in their retro below.")

retros = data.run_query("retro_log__retros", **p)
left, right = st.columns([2, 1])
with right:
    forms.new_retro_form(f.board_name if f.board_id else "", key="retro_log_new")
with left:
    if retros.empty:
        components.empty_state("No retro recorded for this team yet: create one on the right, or import a file.",
                               "retroscope import retro retros.json   # see docs/ for the format")
        st.stop()
    rid = forms.retro_picker(retros, f, key="retro_log_retro")
    retro = retros[retros["retro_id"] == rid].iloc[0]
    counts = [(retro.cards, "card", "cards"), (retro.actions, "action", "actions"),
              (retro.carried_in, "carried in", "carried in"), (retro.agreements, "agreement", "agreements"),
              (retro.hypotheses, "hypothesis", "hypotheses")]
    st.caption(" · ".join([str(retro.team), forms.KIND_LABELS[retro.kind]]
                          + [f"{n} {one if n == 1 else many}" for n, one, many in counts]))

st.subheader("Carried in from earlier retros")
carried = data.run_query("retro_log__carried_in", retro_id=rid)
forms.carried_in(retro, carried, key="retro_log_carried", board_id=f.board_id)
components.how("The team's actions still open when this retro was started: the same actions (same id, retro and "
               "due date), never copies, so follow-through counts each once, at the retro that agreed it. Age = days "
               "from that retro to this one. Marking one done here sets its done date to this retro's day.")

st.subheader("Cards")
forms.card_board(retro, data.run_query("retro_log__cards", retro_id=rid), key="retro_log_card")
components.how("Cards are anonymous: Retroscope has no field for an author and drops one on import.")

st.subheader("Action items")
actions = data.run_query("retro_log__actions", retro_id=rid)
forms.action_editor(retro, actions, key="retro_log_action", board_id=f.board_id)

verdicts = data.run_query("retro_log__agreement_verdicts", **p)
outcomes = data.run_query("retro_log__action_outcomes", retro_id=rid)
hyps = data.run_query("retro_log__hypotheses", retro_id=rid, as_of=p["as_of"])
hyp_verdicts = None
if not hyps.empty or (outcomes["kind"] == "hypothesis").any():
    hyp_verdicts = data.analysis("queries.impact:hypotheses_table", as_of=p["as_of"])
if not outcomes.empty:
    st.markdown("**What the actions led to**")
    linked, cfg = forms.with_jira_links(forms.with_verdicts(outcomes, verdicts, hyp_verdicts), f.board_id)
    components.table(linked, key="retro_log_outcomes", column_config=cfg,
                     first=("action", "link", "kind", "outcome", "verdict", "reason", "made_on"),
                     hide=("outcome_id",) + (("jira_key",) if cfg else ()))
    components.how("Each working agreement or hypothesis that names one of this retro's actions (agreed here or "
                   "carried in), with its verdict as of the as-of date: agreements judged on their metric, "
                   "hypotheses by the impact analysis.")

choices = data.run_query("retro_log__choices", **p)
from_actions = forms.action_choices(actions, carried)
st.subheader("Working agreements")
agreements = forms.with_verdicts(data.run_query("retro_log__agreements", retro_id=rid), verdicts, None)
if agreements.empty:   # a line, as for the action items, not a grid of headers with no row
    st.caption("No working agreements at this retro yet.")
else:
    shown = components.present.in_metric_units(agreements, cols=("target",))
    components.table(shown.assign(metric=shown["metric"].map(components.present.metric_name)),
                     key="retro_log_agreements", first=("text", "from_action"))
forms.agreement_form(retro, choices, key="retro_log_agreement", actions=from_actions)

st.subheader("Hypotheses")
if hyps.empty:
    st.caption("No hypotheses at this retro yet.")
else:
    components.table(forms.with_verdicts(hyps, verdicts, hyp_verdicts), key="retro_log_hypotheses",
                     first=("item_key", "item_name", "metric", "from_action"))
forms.hypothesis_form(retro, choices, key="retro_log_hypothesis", actions=from_actions)
components.how("Saved in the user-input store beside the warehouse; syncs never rewrite it. Back it up with "
               "`retroscope export retro --out retros.json`.")
