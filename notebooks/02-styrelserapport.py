# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,papermill
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["remove"]
# # Styrelserapport (mall)
#
# Den här anteckningsboken är mallen för styrelserapporten. Kör den inte för hand för att
# skapa rapporten; använd `make report KOMMUN=2482` eller
# `python -m benchmark report --kommun 2482` (det senaste året i datan; `YEAR=`/`--year`
# väljer ett annat år). Då körs den med papermill och exporteras till en fristående
# HTML-fil utan kod. Cellen med taggen `parameters` nedan styr kommun (kod som text, med
# inledande nolla), år (`None` = det senaste året i datan), språk (`sv`/`en`) och datamapp,
# och, med `make report REGISTER=sökväg`, kommunens egen export av beslut (avsnittet "Egna
# beslut i år", bara sammanräknade tal).
#
# Anteckningsboken räknar ingenting själv: all statistik kommer från `benchmark.compare`,
# `benchmark.screen` och `benchmark.profile` (helhetsbilden), diagrammen från
# `benchmark.plots` och texterna från `benchmark.views`.

# %% tags=["parameters"]
municipality = "2482"
year = None  # None: the newest year in the data
lang = "sv"
data_dir = None  # None: real data in data/ if processed, else the demo in data/demo
register_file = None  # path of the own export of decisions; None: no such section
register_date = None  # the day persons are counted (YYYY-MM-DD); None: today
register_sheet = None  # the sheet of a workbook with several
register_map = None  # local insats labels: {"label": "catalogue id"}

# %%
from benchmark import plots, views

data = views.load_report_data(municipality, year, lang=lang, data_dir=data_dir)
table = data.table
views.show(views.title_block(data))

# %%
views.show(views.section("summary", lang))
views.show(views.summary(table, lang))

# %%
views.show(views.section("overview", lang))
views.show(plots.forest_chart(table, lang))
views.show(views.paired_note(lang))

# %%
views.show(views.section("decomposition", lang))
views.show(plots.decomposition_chart(table, lang))

# %%
views.show(views.section("need", lang))
for part in views.need_parts(table, data.need_indicators, data.need_fits, lang):
    views.show(part)

# %%
views.show(views.section("trend", lang))
for category in views.trend_categories(table):
    views.show(views.category_heading(category, lang))
    views.show(plots.trend_chart(data.history, category, lang))

# %%
views.show(views.section("funnel", lang))
views.show(views.funnel_intro(data))
for category in views.funnel_categories(table):
    views.show(views.category_heading(category, lang))
    views.show(views.funnel_part(data, category))

# %%
cost = views.cost_section(table, lang)
if cost:
    views.show(views.section("cost", lang))
    views.show(cost)

# %%
views.show(views.section("profile", lang))
views.show(views.profile_intro(data))
for group in views.profile_groups(data.profile):  # one chart per group: each fits a page
    views.show(plots.spine_chart(data.profile, lang, groups=[group]))

# %%
if register_file:
    from benchmark.register import present

    for part in present.report_parts(register_file, municipality, register_date, lang=lang,
                                     year=data.year, sheet=register_sheet,
                                     labels=register_map, data_dir=data_dir):
        views.show(part)

# %%
peer_titles = table["peer_group_title"].drop_nulls().unique().to_list()
views.show(views.section("reading", lang))
views.show(views.meaning(lang, peer_title=peer_titles[0] if peer_titles else None))
views.show(views.section("glossary", lang))
views.show(views.glossary(lang))
views.show(views.section("sources", lang))
views.show(views.sources(data.manifest, lang, retrieved=data.retrieved,
                         synthetic=data.synthetic))
