"""Retro log (facilitator): record a retro — anonymous cards, action items, working
agreements, hypotheses — starting from what earlier retros left open."""

import streamlit as st

from dashboard import blocks, components, data, forms
from dashboard.filters import sidebar

f = sidebar()
p = f.params()
components.page_header("Retro log", f, "What did we agree last time, is it done, and what do we commit to now?")
forms.flash()

st.subheader("Open actions from earlier retros")
open_actions = data.run_query("retro__open_actions", **p)
if open_actions.empty:
    st.caption("Nothing left open from earlier retros.")
else:
    blocks.open_actions_table(open_actions, key="retro_log_open")
    components.how("Action items still open at the as-of date, oldest first: past their due date or older than one "
                   "retro cycle. Mark them done in their retro below.")

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
    st.caption(f"{retro.team} · {forms.KIND_LABELS[retro.kind]} · {retro.cards} cards · {retro.actions} actions"
               f" · {retro.agreements} agreements · {retro.hypotheses} hypotheses")

st.subheader("Cards")
forms.card_board(retro, data.run_query("retro_log__cards", retro_id=rid), key="retro_log_card")
components.how("Cards are anonymous: Retroscope has no field for an author and drops one on import.")

st.subheader("Action items")
forms.action_editor(retro, data.run_query("retro_log__actions", retro_id=rid), key="retro_log_action")

choices = data.run_query("retro_log__choices", **p)
st.subheader("Working agreements")
components.table(components.present.in_metric_units(data.run_query("retro_log__agreements", retro_id=rid),
                                                    cols=("target",)), key="retro_log_agreements")
forms.agreement_form(retro, choices, key="retro_log_agreement")

st.subheader("Hypotheses")
components.table(data.run_query("retro_log__hypotheses", retro_id=rid).drop(columns="hypothesis_id"),
                 key="retro_log_hypotheses")
forms.hypothesis_form(retro, choices, key="retro_log_hypothesis")
components.how("Saved in the user-input store beside the warehouse; syncs never rewrite it. Back it up with "
               "`retroscope export retro --out retros.json`.")
