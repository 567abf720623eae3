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
# # Egna beslut: vad visar kommunens eget register i dag?
#
# Den officiella statistiken kommer ett år efter och räknar personer en enda dag, den
# 1 oktober. Här läser du in en export från ert verksamhetssystem (Treserva, Lifecare,
# Combine, Viva eller annat) och ser i dag:
#
# 1. hur många personer som har en verkställd insats jämfört med riket,
# 2. beslut, avslag och väntetider år för år,
# 3. om registret stämmer med det ni rapporterat till Socialstyrelsen.
#
# Skriv sökvägen till filen och kommunkoden i cellen nedan och välj **Run All**. Filen ska
# följa mallen i `templates/register/` (en rad per beslut, aldrig personnummer). Filen
# läses där den ligger och kopieras aldrig; bara sammanräknade tal visas, och tal som
# bygger på en eller två personer visas som –.

# %% tags=["parameters"]
register_file = None  # path of the export; None: the synthetic demo register on demo data
municipality = None  # kommunkod as text, e.g. "2482"; None: KOMMUN from make lab
date = None  # the day persons are counted, "YYYY-MM-DD"; None: today
sheet = None  # the sheet of a workbook with several
labels = None  # local insats labels, e.g. {"Ledsagarserv.": "ledsagarservice"}
data_dir = None  # None: real data in data/ if processed, else the demo in data/demo

# %%
from benchmark import views
from benchmark.register import present

for part in present.notebook_parts(register_file, municipality, date, sheet=sheet,
                                   labels=labels, data_dir=data_dir):
    views.show(part)

# %% [markdown]
# ## Så läser du siffrorna
#
# - **Personer med insatser i dag** jämförs med rikets andelar det senaste publicerade
#   året, i varje insats åldersgrupp. 1 = samma nivå som riket; ▲/▼ = tydligt högre eller
#   lägre. Riket har kanske ändrats sedan dess, så en liten skillnad säger lite.
# - **Beslut** räknas det år de fattades; **verkställda** och **avslutade** det år insatsen
#   började eller slutade. Delvis bifall räknas som beviljat.
# - **Väntat mer än tre månader**: beviljade beslut som inte verkställdes inom tre månader.
#   Det är den gräns som kommunen rapporterar till IVO och nämnden.
# - **Stämmer registret?** Varje 1 oktober jämförs registret med det antal kommunen
#   rapporterade. En skillnad betyder inte att något är fel, men den är värd att förstå.
# - En insats kan inte jämföras om den saknas i filen. Assistansersättning beslutas av
#   Försäkringskassan och räknas aldrig från registret.
#
# Samma avsnitt kommer med i rapporten till nämnden med
# `make report KOMMUN=<kod> REGISTER=<fil>`. Alla beräkningar finns i `benchmark.register`.
