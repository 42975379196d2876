"""Product outcomes (PM): did what we shipped move the metric it was meant to move?"""

import pandas as pd
import streamlit as st

from dashboard import blocks, charts, components, data, empty, present
from dashboard.filters import sidebar

f = sidebar()
p = f.params()
components.page_header("Product outcomes", f, "Did what we shipped move the metric it was meant to move?")

metrics = data.run_query("outcomes_page__metrics", **p)
if metrics.empty or metrics["days_all_users"].sum() == 0:
    components.empty_state("No product metrics are loaded yet.",
                           "retroscope import metrics metrics.csv      # day, metric, value[, segment]\n"
                           "retroscope import features shipped.csv    # key, name, shipped_on, metrics")
    st.stop()
impact = data.run_query("impact", **p)
evaluation = data.run_query("outcomes__agreement_evaluation", **p)

if not impact.empty:   # one shipped item, opened from the list or a link (?item=KEY)
    item = blocks.item_picker(impact, key="outcomes_item")
    if item is not None:
        blocks.shipped_item(item, p, metrics, key="outcomes_item_view")

# every shipped item's name (a confounder may be another team's, or shipped outside the period)
every_item = data.run_query("outcomes__impact_targets", **{**empty.wide(p), "board_id": None, "project": None})
item_names = {**dict(zip(every_item["item_key"], every_item["item_name"], strict=True)),
              **dict(zip(impact["item_key"], impact["item_name"], strict=True))}

st.subheader("Shipped items")
if impact.empty:
    empty.filtered("items", "shipped", f,
                   *empty.held(p, lambda q: empty.span(data.run_query("outcomes__impact_targets", **q)["shipped_on"])),
                   fill="retroscope import features shipped.csv   # or sync Jira: completed epics count as shipped")
else:
    blocks.impact_cards(impact, key="outcomes_cards", units=dict(zip(metrics["metric"], metrics["unit"],
                                                                          strict=True)), names=item_names)
    components.chart(charts.effect_interval, (impact,), "Effect = mean(post − counterfactual) over the 28 days "
                     "after shipping, in % of the counterfactual, which projects the 28 days before (level, trend, "
                     "day-of-week); the bar is a 95 % interval that allows for autocorrelation.",
                     key="outcomes_effects")

st.subheader("Product metric over the period")
options = metrics["metric"].tolist()
preferred = [m for m in options if m in set(impact["metric"])] or options
metric = st.selectbox("Metric", options, index=options.index(preferred[0]), key="outcomes_metric",
                      format_func=lambda m: f"{present.metric_name(m)} — {blocks.metric_label(metrics, m)}")
series = data.run_query("outcomes__metric_series", metrics=[metric], segment="", control_segment=None, **p)
unit = metrics.set_index("metric").loc[metric, "unit"]
on_metric = impact[impact["metric"] == metric]
agreements = evaluation[evaluation["metric"] == metric]
in_period = series[(series["segment"] == "") & (pd.to_datetime(series["day"]).dt.date >= f.date_from)
                   & (pd.to_datetime(series["day"]).dt.date <= f.date_to)]
if in_period.empty:
    empty.filtered(f"daily values of {present.metric_name(metric)}", "recorded", f,
                   empty.span(series.loc[series["segment"] == "", "day"]),
                   fill=f"retroscope import metrics metrics.csv      # day, metric, value[, segment]: {metric}",
                   per_team=False)
else:
    components.chart(charts.metric_with_markers, (series, on_metric, agreements, metric, unit, (f.date_from, f.date_to)),
                     "Daily value (all users) and its 7-day mean; dashed lines = items shipped on this metric, coloured "
                     "by verdict; green bands = working agreements on it (start → review).", key="outcomes_series")

st.subheader("Hypotheses from retros")
hyp = data.analysis("queries.impact:hypotheses_table", **p)
if hyp.empty:
    empty.filtered("hypotheses on items", "shipped", f,
                   *empty.held(p, lambda q: empty.span(data.run_query("outcomes__hypotheses", **q)["shipped_on"])),
                   fill="# add one on the Retro log page (a shipped item, a metric, the direction you expect), or:\n"
                   "retroscope import retro retros.json",
                   # none recorded by the as-of date at all (not: recorded, on items not shipped by then)
                   recorded=None if len(data.run_query("outcomes__hypotheses", **empty.wide(p)))
                   else "hypotheses from retros held")
else:
    components.table(blocks.with_units(hyp, metrics).assign(
                         metric=hyp["metric"].map(present.metric_name),
                         confounded_by=hyp["confounded_by"].map(lambda k: present.named_items(k, item_names))),
                     key="outcomes_hypotheses",
                     first=("verdict", "item_key", "item_name", "metric", "direction", "min_change", "effect_abs",
                            "effect_rel", "note"), hide=("hypothesis_id", "retro_id"))
    components.how("Each hypothesis is judged with the impact analysis above, using its own direction and minimum "
                   "change; an item not shipped yet is 'too early'.")

st.subheader("Working agreements on product metrics")
if evaluation.empty:
    def made(q: dict):
        rows = data.run_query("outcomes__agreement_evaluation", **q)
        return empty.span(pd.concat([rows["start_on"], rows["review_on"]]))

    empty.filtered("working agreements on product metrics", "running", f, *empty.held(p, made),
                   fill="# make one at a retro on the Retro log page (a product metric, a target), or:\n"
                   "retroscope import retro retros.json")
else:
    blocks.agreements_table(evaluation.merge(metrics[["metric", "unit"]], on="metric", how="left"),
                                key="outcomes_agreements", unit_col="unit")
    components.how("The metric's daily mean over [start, review] vs the same number of days before the start: "
                   "met / not met against the target, or too early before the review date.")
