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
# # Alla kommuner: var avviker LSS-insatserna?
#
# Välj år och kommun. Överst syns hur många kommuner som avviker tydligt per insats, sedan
# alla kommuner i en tabell och sist din kommun bland alla andra, insats för insats.

# %% tags=["parameters"]
data_dir = None  # None: real data in data/ if processed, else the demo in data/demo
year = None  # None: the newest year in the data
municipality = None  # None: KOMMUN from `make lab KOMMUN=…`, else the last one chosen
lang = "sv"

# %%
from benchmark import explorer

explorer.screening_tool(data_dir=data_dir, municipality=municipality, year=year, lang=lang)

# %% [markdown]
# ## Så läser du tabellen och diagrammen
#
# - Alla kommuner jämförs med riket för varje LSS-insats samma år, med hänsyn till hur
#   många kvinnor och män i olika åldrar som bor i kommunen. De allra största kommunerna
#   jämförs med resten av landet, så att de inte jämförs med sig själva.
# - ▲ **tydligt högre** och ▼ **tydligt lägre** betyder att skillnaden är större än slumpen
#   och vanlig variation mellan kommuner brukar ge, att kommunen har så många personer
#   med insatsen att slumpen ensam är en osannolik förklaring, och att skillnaden finns kvar även
#   när åldrarna räknas på andra rimliga sätt. Kolumnen "Högre/lägre, beror på åldrarna"
#   räknar de kommuner där det inte gäller.
# - I tabellen väljer du under **Visa** en översikt över alla insatser eller siffrorna för en
#   insats. Du kan söka på kommunnamn, visa bara tydligt avvikande kommuner och sortera.
# - Skyddade eller saknade uppgifter visas som text, aldrig som siffror.
#
# Att en kommun avviker betyder inte att den gör fel: det visar var det är värt att titta
# närmare. Metoden beskrivs i `04-metod`.
