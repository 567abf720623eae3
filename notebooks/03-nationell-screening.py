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

# %% [markdown]
# # Nationell screening: alla kommuner och insatser
#
# Alla kommuner jämförs med riket för varje LSS-insats samma år, med hänsyn till antalet
# invånare i insatsens åldersgrupp (en åldersgrupp per insats; ledsagarservice och
# kontaktperson ges i alla åldrar och är inte åldersjusterade). ▲/▼ betyder tydligt
# avvikande: utanför kontrollgränsen 99,8 % (justerad för verklig variation mellan
# kommuner, så kallad överspridning) och även signifikant i ett exakt test, som skyddar
# kommuner med få personer. Tabellen kan sorteras genom att
# klicka på en kolumnrubrik. Metoden beskrivs i `04-metod`.
#
# Att en kommun avviker betyder inte att den gör fel: det visar var det är värt att titta
# närmare.

# %% tags=["parameters"]
data_dir = None  # None: real data in data/ if processed, else the demo in data/demo
year = None  # None: the newest year in the data
municipality = None
lang = "sv"

# %%
from benchmark import plots, screen, views
from benchmark.catalog import CATEGORIES

settings = views.notebook_settings(data_dir)
table = screen.screen(year, settings=settings)
if plots.is_synthetic(table):
    views.show('<p class="lss-demo"><strong>Syntetiska demodata – inte officiell '
               "statistik.</strong></p>")

# %% [markdown]
# ## Sammanställning per insats
#
# φ (överspridning) över 1 betyder att kommunerna skiljer sig mer än slumpen ensam skulle
# ge; då vidgas kontrollgränserna med τ².

# %%
views.show(views.screening_summary(table, lang))

# %% [markdown]
# ## Alla kommuner

# %%
views.show(views.national_overview(table, lang))

# %% [markdown]
# ## Trattdiagram per insats
#
# Varje punkt är en kommun: till höger de stora (många förväntade personer), där även små
# skillnader är säkra; till vänster de små, där slumpen betyder mer.

# %%
for category in CATEGORIES:
    views.show(views.category_heading(category.id, lang))
    views.show(plots.funnel_chart(table, category.id, municipality, lang), interactive=True)
