"""A retro without a title (the title is optional) is named by its kind and day wherever it is
shown: the Retro log's picker once read "04 Dec 2026 · Atlas · nan", Sprint retro and the slide
its raw id ("r-6446fcb389eb · Atlas")."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dashboard import forms
from queries.retro_text import retro_title


def test_a_missing_title_reads_as_the_kind_and_day():
    for missing in (None, np.nan, pd.NA, "", "   "):
        assert retro_title(missing, "scrum", date(2026, 12, 4)) == "Scrum retro 4 Dec 2026"
    assert retro_title(None, "pm-eng", pd.Timestamp("2026-01-06")) == "PM / engineering retro 6 Jan 2026"
    assert retro_title(None, "product", None) == "Product retro"
    assert retro_title(None, None, None) == "Retro"
    assert retro_title(" Sprint 12 retro ", "scrum", date(2026, 12, 4)) == "Sprint 12 retro"


def test_the_retro_logs_picker_names_an_untitled_retro():
    retros = pd.DataFrame({"retro_id": ["r-1", "r-2"], "held_on": [pd.Timestamp("2026-12-04")] * 2,
                           "team": ["Atlas", "Atlas"], "kind": ["scrum", "product"], "title": [None, "Q4 review"]})
    label = forms.retro_label(retros)
    assert label("r-1") == "4 Dec 2026 · Atlas · Scrum retro 4 Dec 2026"
    assert label("r-2") == "4 Dec 2026 · Atlas · Q4 review"
