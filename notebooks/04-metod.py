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
# # Metod, antaganden och begränsningar
#
# Den här anteckningsboken beskriver hur jämförelsen görs, vilka antaganden den vilar på
# och vad datan inte kan svara på. All beräkning sker i paketet `benchmark`
# (`benchmark/stats/`, `benchmark/comparison/`); här visas bara resultat och förklaringar.
#
# ## 1. Vad datan mäter
#
# - **Personer med verkställda beslut den 1 oktober.** Kolada-nyckeltalen N28801–N28892
#   kommer från Socialstyrelsens register över insatser enligt LSS. En person räknas om hen
#   den 1 oktober hade minst en insats som kommunen beslutat och som faktiskt har börjat
#   (verkställts). Beslut som fattats men inte verkställts räknas inte, och siffrorna säger
#   inget om hur många beslut, ansökningar eller avslag som fanns under året.
# - **Personer, inte insatser.** En person med både daglig verksamhet och bostad med
#   särskild service räknas i båda kategorierna. **Kategorierna överlappar och summeras
#   aldrig**; "Personer med någon LSS-insats" är ett eget nyckeltal (N28892) och inte
#   summan av de andra.
# - **Råd och stöd (9 § 1)** ingår inte: det ges av regionerna och finns inte i registret.
# - **Skyddade och saknade uppgifter.** Värden som källan inte publicerar (sekretess eller
#   bortfall) behandlas som saknade, aldrig som noll, och visas aldrig. Kategorin får
#   bedömningen "Ej bedömd" med skälet angivet (`flag_reason`).
# - **Antal för totalen.** För nyckeltal som bara publiceras per 10 000 invånare räknas
#   antalet fram som andel × befolkning och avrundas till hela personer.
# - **Befolkning** kommer från SCB (folkmängd 31 december per kommun, ålder och kön).

# %% tags=["parameters"]
data_dir = None  # None: real data in data/ if processed, else the demo in data/demo
year = None  # None: the newest year in the data

# %%
from benchmark import plots, screen, views

settings = views.notebook_settings(data_dir)

# %% [markdown]
# ## 2. Kategorier och referensåldrar
#
# Tabellen nedan läses direkt ur katalogen (`benchmark/catalog.py`, namnen ur
# `benchmark/texts/`), så den kan inte glida isär från koden.

# %%
views.show(views.reference_bands_table("sv"))

# %% [markdown]
# Varje insats jämförs med befolkningen i den ålder där insatsen nästan bara ges. Det är
# ett antagande; motiveringen per kategori:
#
# - **Bostad med särskild service, 20+.** Nyckeltalet gäller i praktiken vuxna (9 § 9);
#   boende för barn (9 § 8) är en liten grupp. Vid 20 år har de flesta lämnat
#   gymnasiesärskolan.
# - **Daglig verksamhet, 20–64.** Lagen ger insatsen till personer i yrkesverksam ålder som
#   saknar arbete och inte utbildar sig.
# - **Personlig assistans (LSS) och assistansersättning (SFB), 0–64.** Nya beslut kan bara
#   fattas före riktåldern för pension; de som fortsätter efter 65 fick insatsen tidigare.
#   Därför är 0–64 den befolkning som kan få insatsen.
# - **Ledsagarservice och kontaktperson, alla åldrar.** Insatserna ges i alla åldrar utan
#   tydlig tyngdpunkt.
# - **Avlösarservice och korttidsvistelse, 0–22.** Insatserna avlastar främst föräldrar till
#   barn och unga; Socialstyrelsens åldersindelning har 13–22 som ett band.
# - **Korttidstillsyn, 13–22.** Lagen ger insatsen till skolungdom över 12 år.
# - **Personer med någon LSS-insats.** Standardiseras över tre band, 0–22, 23–64 och 65+,
#   med rikets antal per band från nyckeltalen N28891 (0–22) och N28890 (0–64).
#
# Om en kommun har många invånare utanför bandet påverkar det alltså inte det förväntade
# antalet. Valet av band är ett antagande som kan prövas: `compare(..., age_bands=
# {"daglig_verksamhet": (18, 64)})` i Python eller
# `python -m benchmark compare --kommun 2482 --age-band daglig_verksamhet=18-64`
# på kommandoraden ger samma tabell med ett annat referensband (totalen har fasta band).
#
# ## 3. Förväntat antal och kvot (indirekt standardisering)
#
# - **Förväntat antal** E = Σ_b r_b · n_b, där r_b är rikets andel med insatsen i
#   referensbandet b och n_b kommunens befolkning i bandet.
# - **Kvot** O/E (faktiskt delat med förväntat antal). 1 = samma nivå som riket med hänsyn
#   till ålder. Konfidensintervallet (95 %) är exakt (Poisson) när O < 10, annars Byars
#   approximation, som i PHEindicatormethods/Fingertips.
# - **Uppdelning av skillnaden.** `expected_crude` är rikets nivå för alla åldrar gånger
#   kommunens totala befolkning. Skillnaden mot det faktiska antalet delas i
#   *befolkningens sammansättning* = E − expected_crude (det åldersstrukturen förklarar) och
#   *övrig skillnad* = O − E (behov, praxis, utbud och slump). Summan är O − expected_crude.
#
# ## 4. Överspridning och kontrollgränser
#
# Kommuner skiljer sig mer än slumpen (Poissonfördelningen) ensam skulle ge. Utan justering
# skulle nästan alla stora kommuner flaggas. Därför, per kategori och år, över alla kommuner:
#
# 1. z = 2(√O − √E) på kvadratrotsskalan, winsoriserat 10 % i varje svans.
# 2. φ = medelvärdet av z², korrigerat för sitt förväntade värde under ren
#    Poissonvariation vid winsorisering. φ > 1 betyder överspridning.
# 3. τ² (variationen mellan kommuner) skattas med DerSimonian–Lairds metod.
# 4. Kontrollgränser för kvoten vid förväntat antal E:
#    (1 ∓ z_α · √(1/(4E) + τ²))², den nedre aldrig under 0. Om φ ≤ 1 används exakta
#    Poissongränser.
# 5. **Tydligt högre/lägre** (`flag`) = utanför 99,8 %-gränsen *och* signifikant i det
#    exakta Poissontestet på samma nivå (skyddar små E där approximationen är för smal).
#    `flag_95` är samma sak på 95 %-nivån och används för varaktighet.
#
# Tabellen visar φ och τ² för året i datan; trattdiagrammet visar gränserna för en
# kategori. (I `01-utforska` och `03-nationell-screening` heter gränserna "gräns för tydlig
# avvikelse" och "gräns för möjlig avvikelse"; se avsnitt 10.)

# %%
table = screen.screen(year, settings=settings)
if plots.is_synthetic(table):
    views.show(views.demo_note("sv"))
views.show(views.screening_summary(table, "sv", methods=True))

# %%
views.show(plots.funnel_chart(table, "daglig_verksamhet", None, "sv"), interactive=True)

# %% [markdown]
# ## 5. Många jämförelser, små tal och varaktighet
#
# - **Många kategorier samtidigt.** Med tio kategorier per kommun blir någon "signifikant"
#   av en slump. q-värdet (Benjamini–Hochberg inom kommun och år) anger hur stor andel
#   falska larm man högst kan vänta sig bland de flaggade.
# - **Små kommuner.** Den krympta kvoten (`ratio_shrunk`, empirisk Bayes) drar osäkra
#   kvoter mot 1 och används för rangordning, inte för flaggning.
# - **Varaktig avvikelse** (`persistent`) = `flag_95` i samma riktning minst 3 av de
#   senaste 5 åren. Det är beskrivande, inte ett oberoende test: samma personer har ofta
#   kvar sina beslut år efter år.
#
# ## 6. Jämförelsegrupper
#
# Standardgruppen är RKA:s **Liknande kommuner LSS**. RKA väljer dessa kommuner bland annat
# efter *referenskostnad* för LSS, och referenskostnaden räknas fram ur antalet
# verkställda beslut. Gruppen är därmed delvis matchad på det vi mäter (**cirkularitet**):
# kommuner med många insatser hamnar bland varandra, så en kommun ser mindre avvikande ut
# mot gruppen än mot riket. Gruppen svarar bäst på "är vi dyra för vår volym?", inte på
# "är vår volym hög?". Jämför därför också med kommungrupp eller län (`peer_group=`).
# Gruppens nivå är poolad (Σ personer / Σ invånare), utan kommunen själv.
#
# ## 7. Personlig assistans: LSS och SFB
#
# Personlig assistans finansieras på två sätt. Den som behöver mer än 20 timmar i veckan
# för grundläggande behov får oftast **assistansersättning** från Försäkringskassan (SFB),
# annars kan kommunen bevilja **personlig assistans enligt LSS**. Kategorierna ersätter
# alltså varandra: en kommun med få personer med LSS-assistans kan ha många med
# assistansersättning. De visas därför alltid bredvid varandra och tolkas tillsammans.
#
# ## 8. Kostnader
#
# `excess_cost` = (O − E) × rikets kostnad per brukare där Kolada publicerar en sådan
# (bostad med särskild service, daglig verksamhet). Det är en grov storleksordning:
# kostnaden per brukare varierar mellan kommuner och med insatsens omfattning.
# Nettokostnadsavvikelsen (N28018) jämför kommunens kostnad med referenskostnaden och är
# därför också beroende av volymen.
#
# ## 9. Begränsningar
#
# - Registret visar en dag per år (1 oktober); förändringar under året syns inte.
# - Behovet i befolkningen är okänt; en hög nivå kan vara rätt nivå.
# - Socialstyrelsens regler för vilka små tal som skyddas är inte kontrollerade här;
#   skyddade värden behandlas som saknade.
# - Kommunindelningen och nyckeltalens definitioner kan ändras mellan år.
# - Demodata (`make demo`) är syntetiska och märks "Syntetiska demodata" överallt.
#
# ## 10. Vardagsord i 01 och 03 och vad de betyder i metoden
#
# Verktygen för enhetschefer (`01-utforska`, `03-nationell-screening`) använder vardagsord.
# Så motsvarar de metoden ovan:
#
# - **Tydligt högre / tydligt lägre (▲/▼)** = `flag`: utanför kontrollgränsen 99,8 %
#   (justerad för överspridning, avsnitt 4) *och* signifikant i det exakta Poissontestet på
#   samma nivå.
# - **Gräns för tydlig avvikelse** (streckad linje i trattdiagrammen) = kontrollgränsen
#   99,8 %. Av ren slump hamnar omkring 1 kommun på 500 utanför (0,1 % på var sida).
# - **Gräns för möjlig avvikelse** (prickad linje) = kontrollgränsen 95 %: omkring 1 kommun
#   på 20 hamnar utanför av slump.
# - **"Utanför gränsen men för få personer för en säker slutsats" (⊗)** = utanför
#   99,8 %-gränsen, men det exakta testet är inte signifikant.
# - **"Gränserna är vidgade, eftersom kommunerna skiljer sig mer än slumpen ensam ger"** =
#   φ > 1 (överspridning); gränserna vidgas med τ², variationen mellan kommuner. "Gränserna
#   visar bara slumpens variation" = φ ≤ 1: exakta Poissongränser.
# - **"Sortering på kvot väger in osäkerheten"** (tabellen i 03) = rangordning på den krympta
#   kvoten (`ratio_shrunk`, empirisk Bayes, avsnitt 5); tabellen visar den vanliga kvoten.
# - **Strecket runt punkten** = 95 % konfidensintervall för kvoten (avsnitt 3).
# - **Orange ◇ / streckad orange linje** = jämförelsegruppens egen nivå mot riket,
#   `peer_level` = peer_expected / expected (avsnitt 6). Kolada kallar länens och
#   kommungruppernas grupper "(ovägt medel)"; här visas namnet utan det tillägget, eftersom
#   gruppens nivå räknas poolad (Σ personer / Σ invånare), inte som ett ovägt medelvärde.
