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
# # Utforska LSS-insatserna i din kommun
#
# Välj kommun, år och jämförelsegrupp i listorna. Diagrammen under listorna ändras direkt.

# %% tags=["parameters"]
data_dir = None  # None: real data in data/ if processed, else the demo in data/demo
municipality = None  # None: KOMMUN from `make lab KOMMUN=…`, else the last one chosen
year = None

# %%
from benchmark import explorer
from benchmark.explorer_profile import whole_picture

tool = explorer.explorer(data_dir=data_dir, municipality=municipality, year=year)
tool

# %%
whole_picture(tool)

# %% [markdown]
# ## Så läser du diagrammen
#
# - **1 = samma nivå som riket.** 1,3 betyder 30 % fler personer med insatsen än väntat,
#   när man tagit hänsyn till hur många kvinnor och män i olika åldrar som bor i kommunen
#   (det förväntade antalet bygger på hur vanlig insatsen är i riket i varje ålder).
# - Strecket runt punkten visar osäkerheten (95 % konfidensintervall).
# - ▲ **tydligt högre** och ▼ **tydligt lägre** betyder att skillnaden är större än slumpen
#   och vanlig variation mellan kommuner brukar ge, och att den finns kvar även när åldrarna
#   räknas på andra rimliga sätt. △/▽ betyder högre eller lägre, men att det beror på hur
#   åldrarna räknas. "Ingen tydlig skillnad" betyder inte samma nivå: skillnaden kan vara
#   slump.
# - Skillnaden som är kvar när åldrarna är medräknade (övrig skillnad) kan bero på behov,
#   praxis, utbud eller slump. Siffrorna kan inte skilja dessa åt.
# - Siffrorna gäller personer som hade ett verkställt beslut den 1 oktober, inte beslut
#   som fattats under året.
# - Insatserna överlappar (en person kan ha flera) och ska inte läggas ihop.
# - **Beror skillnaden på större behov?** Längre ned jämförs kommunen också med hänsyn till
#   behovsmått som LSS-handläggningen inte själv bestämmer (unga vuxna med
#   aktivitetsersättning, elever i anpassad grundskola). Där måtten förklarar insatsen visar
#   tabellen hur många av personerna över eller under rikets nivå som är i linje med
#   kommunens behovsmått; resten kan bero på praxis, utbud eller slump.
# - Under varje diagram finns siffrorna i en tabell (klicka på "Visa siffrorna i en tabell").
# - **Helhetsbild** (sist): kommunen på alla nyckeltal i LSS-profilen på en gång – volym,
#   omfattning, ekonomi, kvalitet och personal; välj en grupp för att se bara den. Varje rad
#   visar spridningen mellan alla kommuner (grå stapel), riket (svart streck),
#   jämförelsegruppens median (◇) och kommunen. För kostnader, index och andelar utan känt
#   antal svar påstås ingen statistisk signifikans ("ej prövad"); där visas bara var
#   kommunen ligger bland alla kommuner.
#
# **Jämför med:** "Liknande kommuner LSS" är RKA:s grupp för kommunen. Den är vald bland
# annat efter kostnader för LSS, och kostnaden följer till stor del antalet personer med
# insatser. Att jämföra *antalet* med den gruppen är därför delvis cirkulärt: kommuner som
# ger mycket LSS hamnar ofta i samma grupp. Välj gärna också kommungrupp eller län för att
# se om bilden håller. Diagrammens rubriker namnger den valda gruppen.
#
# Kommunen du väljer kommer verktyget ihåg till nästa gång. Ingen statistik räknas i den här
# anteckningsboken; allt kommer från `benchmark`. Finns inga egna data (`make data` och
# `make process`) visas de syntetiska demodata som `make demo` skapar, tydligt märkta.
# Metoden i detalj: `04-metod`. Rapporten till nämnd eller styrelse skapas med
# `make report KOMMUN=<kod> YEAR=<år>`.
