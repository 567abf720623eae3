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
# **Vad jämförelsen kan och inte kan visa.** Den kan visa om kommunen har fler eller färre
# personer med en insats än rikets andelar ger för dess invånare i varje ålder och kön, och
# om skillnaden är större än slump och vanlig variation mellan kommuner. Den kan inte visa
# varför: skillnaden som är kvar rymmer behov, praxis, utbud och slump tillsammans.
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
# Varje insats jämförs med befolkningen i den ålder där insatsen ges (referensåldrarna). Det
# är ett antagande; motiveringen per kategori:
#
# - **Bostad med särskild service, 20+.** Nyckeltalet gäller i praktiken vuxna (9 § 9);
#   boende för barn (9 § 8) är en liten grupp. Vid 20 år har de flesta lämnat
#   gymnasiesärskolan.
# - **Daglig verksamhet, 20–64.** Lagen ger insatsen till personer i yrkesverksam ålder som
#   saknar arbete och inte utbildar sig.
# - **Personlig assistans (LSS) och assistansersättning (SFB), 0–64.** Nya beslut kan bara
#   fattas före riktåldern för pension; de som fortsätter efter 65 fick insatsen tidigare.
#   Därför är 0–64 den befolkning som kan få insatsen.
# - **Ledsagarservice och kontaktperson, alla åldrar.** Insatserna ges i alla åldrar.
# - **Avlösarservice och korttidsvistelse, 0–22.** Insatserna avlastar främst föräldrar till
#   barn och unga; Socialstyrelsens åldersindelning har 13–22 som ett band.
# - **Korttidstillsyn, 13–22.** Lagen ger insatsen till skolungdom över 12 år.
# - **Personer med någon LSS-insats.** Standardiseras över tre band, 0–22, 23–64 och 65+,
#   med rikets antal per band från nyckeltalen N28891 (0–22) och N28890 (0–64); 0–22 delas
#   dessutom på kvinnor och män med N28891 för respektive kön, där Kolada har den
#   uppdelningen.
#
# Gränserna kan prövas: `compare(..., age_bands={"daglig_verksamhet": (18, 64)})` i Python
# eller `python -m benchmark compare --kommun 2482 --age-band daglig_verksamhet=18-64` på
# kommandoraden ger samma tabell med ett annat referensband (totalen har fasta band).
# Kolumnen `robust` (avsnitt 5) gör det redan för varje gräns ± 2 år.
#
# ## 3. Förväntat antal och kvot (indirekt standardisering med åldersprofil)
#
# - **Förväntat antal (åldersprofilmodellen, standard).** Inom referensåldrarna är insatsen
#   inte lika vanlig i alla åldrar: nationellt har 20–44-åringar i personkrets 1 ungefär 87–118
#   personer per 10 000 med en insats, 45–64-åringar 48–59. Därför
#
#   E_m = X · Σ_g s_g · P_m,g / Σ_g s_g · P_riket,g,
#
#   där X är rikets antal personer med insatsen, P befolkningen och g cellerna ålder (ett år
#   i taget) × kön inom referensåldrarna; s_g är rikets *form*: hur vanlig LSS är i cellen
#   relativt de andra. Med s_g = 1 överallt blir det bandmodellen (rikets andel lika stor i
#   alla åldrar i bandet, version 0.1: `age_model="band"`, `--age-model band`). Summan av E
#   över kommunerna är rikets antal, precis som i bandmodellen.
# - **Formen s_g** (`benchmark/comparison/profile.py`, siffrorna som paketdata i
#   `benchmark/data/` med källa): SCB:s tabell över personer med insats enligt LSS per
#   10 000 invånare efter personkrets, ålder och kön den 1 oktober 2021 (underlag:
#   Socialstyrelsens register). Tabellen har två överlappande uppsättningar åldersgrupper
#   (0–6, 7–12, 13–22, 23–64, 65+ och 0–19, 20–44, 45–64, 65–79, 80+). De kombineras till
#   grupperna 0–6, 7–12, 13–19, 20–22, 23–44, 45–64, 65–79 och 80+ under antagandet att
#   **varje ettårsålder inom en publicerad grupp har lika många invånare**:
#   13–19 = (20·r(0–19) − 7·r(0–6) − 6·r(7–12))/7, 20–22 = (10·r(13–22) − 7·r(13–19))/3,
#   23–44 = (25·r(20–44) − 3·r(20–22))/22; övriga grupper som publicerade; negativa värden
#   (möjligt för krets 2) sätts till 0. Den publicerade gruppen 23–64 används som kontroll
#   (skillnad under 3 % för krets 1).
# - **Personkretsar.** Daglig verksamhet: krets 1 och 2 (LSS 7 § ger bara dem rätt till
#   insatsen). Övriga insatser: alla tre kretsar (registret publicerar inte kretsarna per
#   insats).
# - **Kön.** Formen behåller kretsarnas åldersprofil per kön, och männens profil skalas så
#   att kvoten män/kvinnor inom åldersgruppen blir insatsens nationella kvot 2021 (SCB:s
#   tabell efter insatstyp; boende = barn + vuxna). Assistansersättning (finns inte i
#   tabellen) och totalen (vars egen profil tabellen är) skalas inte.
# - **Antaganden.** Formen är alla LSS-mottagares i kretsarna år 2021, inte insatsens egen
#   (den publiceras inte efter ålder och kön), och samma form används alla år. Om en flagga
#   beror på antagandet syns det i `robust` (avsnitt 5).
# - **Referens.** Riket, utom där kommunen har mer än 5 % av befolkningen i något av
#   insatsens band: då jämförs med resten av landet, E = (X − x_m)/(W_riket − W_m) · W_m,
#   eftersom en stor kommun annars drar riket mot sig själv och dess avvikelser krymper
#   (kolumnen `reference`: `riket` eller `riket_utom_kommunen`; `Method(reference=...)`).
# - **Kvot** O/E (faktiskt delat med förväntat antal). 1 = samma nivå som riket med hänsyn
#   till ålder och kön. Konfidensintervallet (95 %) är exakt (Poisson) när O < 10, annars
#   Byars approximation, som i PHEindicatormethods/Fingertips.
# - **Uppdelning av skillnaden.** `expected_crude` är referensens nivå för alla åldrar gånger
#   kommunens totala befolkning. Skillnaden O − expected_crude delas symmetriskt
#   (Kitagawa) i *befolkningens sammansättning* och *övrig skillnad*: varje del räknas vid
#   medelvärdet av de två nivåerna, med kommunens andel i varje cell = rikets × O/E, vilket
#   ger övrig skillnad = (O/E − 1)(E + expected_crude)/2 och sammansättning =
#   (O/E + 1)(E − expected_crude)/2. Den övriga skillnaden rymmer **behov, praxis, utbud och
#   slump** tillsammans; datan kan inte skilja dem åt (kolumnen heter `other_effect`, tidigare
#   `practice_effect`). Version 0.1 räknade sammansättningen vid rikets nivåer och lade hela
#   samspelet i den övriga skillnaden (`decomposition="sequential"`).

# %%
views.show(views.age_profile_table("sv"))

# %% [markdown]
# ## 4. Överspridning och kontrollgränser
#
# Kommuner skiljer sig mer än slumpen (Poissonfördelningen) ensam skulle ge. Utan justering
# skulle nästan alla stora kommuner flaggas. Därför, per kategori, över alla kommuner:
#
# 1. z = 2(√O − √E) på kvadratrotsskalan, för alla kommuner och **för året och de fyra
#    åren före** (de år som finns; de första åren i serien har kortare fönster), winsoriserat
#    10 % i varje svans.
# 2. φ = medelvärdet av z², korrigerat för sitt förväntade värde under ren
#    Poissonvariation vid winsorisering. φ > 1 betyder överspridning.
# 3. τ² (variationen mellan kommuner) skattas med DerSimonian–Lairds metod över samma
#    kommun-år. Att samla fem år gör gränserna stabila: en avvikelse som är lika stor år
#    efter år får samma bedömning varje år, i stället för att följa årets slumpmässiga
#    skattning (version 0.1 skattade varje år för sig; τ² för daglig verksamhet i demodatan
#    varierade 0,0010–0,0021, och Demobys konstanta 1,30 blev "i nivå" 2016). Kommun-åren
#    är inte oberoende (samma kommuner), så skattningen är stabilare men inte säkrare än
#    antalet enheter antyder. Tabellen visar fönstret och spridningen mellan årens egna
#    skattningar.
# 4. Kontrollgränser för kvoten vid förväntat antal E:
#    (1 ∓ z_α · √(1/(4E) + τ²))², den nedre aldrig under 0. Om φ ≤ 1 används exakta
#    Poissongränser.
# 5. **Flagga** (`flag`) = utanför 99,8 %-gränsen *och* signifikant i det exakta
#    Poissontestet på samma nivå (skyddar små E där approximationen är för smal).
#    `flag_95` är samma sak på 95 %-nivån och används för varaktighet.

# %%
table = screen.screen(year, settings=settings)
if plots.is_synthetic(table):
    views.show(views.demo_note("sv"))
views.show(views.screening_summary(table, "sv", methods=True))

# %%
views.show(plots.funnel_chart(table, "daglig_verksamhet", None, "sv"), interactive=True)

# %% [markdown]
# ## 5. Robusta flaggor, många jämförelser, små tal och varaktighet
#
# - **Robusta flaggor** (`robust`, `flag_alternatives`, `n_alternatives`,
#   `flag_depends_on`). Varje flagga räknas om med några försvarbara alternativ till
#   åldersantagandet: den andra modellen (bandmodellen i stället för åldersprofilen) och
#   varje ändlig gräns i insatsens åldersband flyttad två år åt vardera hållet (totalen har
#   publicerade band: bara den andra modellen). Under varje alternativ räknas E, φ och τ²
#   om över alla kommuner och samma fönster. `robust` är sann när alla alternativ ger samma
#   flagga. Rapporten och verktygen kallar en avvikelse **tydlig** bara när den är robust;
#   annars säger de att den beror på hur åldrarna räknas och vilket alternativ som ändrar
#   den.
# - **Många kommuner samtidigt.** I den nationella screeningen (`screen`) är q-värdet
#   Benjamini–Hochberg inom **kategori och år över alla kommuner** (`q_family =
#   "category_year"`). När en kommun är vald i förväg (`compare`, rapporten) räknas det inom
#   **kommunens kategorier samma år** (`"municipality_year"`). Läsning: om man kallar alla
#   rader med q ≤ 0,05 för fynd är den *förväntade* andelen falska fynd bland dem högst 5 %
#   (under oberoende eller positivt beroende mellan testen). q-värdet är alltså inte
#   sannolikheten att en viss rad är ett falskt larm, och säger inget om hur stor
#   skillnaden är. Version 0.1 räknade i screeningen inom kommun och år; då flaggades i
#   demodatan 2024 fem rader, tre av dem brus, med 5,8 väntade av slump.
# - **Små kommuner.** Den krympta kvoten (`ratio_shrunk`) drar osäkra kvoter mot riket med
#   *trattens egen* modell: på kvadratrotsskalan är √(O/E) ~ N(μ, 1/(4E)) och μ ~ N(1, τ²),
#   så den krympta kvoten är (1 + B(√(O/E) − 1))² med vikten B = τ²/(τ² + 1/(4E)) och
#   samma τ² som gränserna. Den används för rangordning, inte för flaggning. (Version 0.1
#   använde Marshalls globala momentskattning, vars varians mellan kommuner kunde skilja sig
#   upp till 14 gånger från trattens.)
# - **Varaktig avvikelse** (`persistent`) = `flag_95` i samma riktning minst 3 av de
#   senaste 5 åren. Det är beskrivande, inte ett oberoende test: samma personer har ofta
#   kvar sina beslut år efter år.
# - **Treårstestet** (`flag_3y`) prövar **medelvärdet** av de tre senaste åren (Ō mot Ē) som
#   en nivå med ett års precision, eftersom åren till stor del räknar samma personer.
#   Version 0.1 prövade summan som om åren vore oberoende (t.ex. O = 2, 2, 3 mot E ≈ 7 per
#   år gav p = 0,0007 fast inget enskilt år var signifikant).

# %%
views.show(views.robustness_table(table, "sv"))

# %% [markdown]
# ## Behov: befolkning, behov eller praxis?
#
# Åldersjusteringen svarar bara på en del av frågan om en hög nivå beror på fler personer
# med funktionsnedsättning och större behov eller på en annan praxis. Därför finns en andra
# jämförelse som också tar hänsyn till **behovsmått som LSS-handläggningen inte själv
# bestämmer** (`benchmark/indicators.py`, Kolada): unga vuxna med aktivitetsersättning
# (N01702, per invånare 19–29 år; beslutas av Försäkringskassan) för insatserna för vuxna,
# elever i anpassad grundskola (N18803, per invånare 7–15 år; beslutas av skolan) för
# barnens insatser, och båda för insatserna i alla åldrar och totalen. Sjukersättning
# (N01703, 30–64 år) hämtas men används inte som standard. Valet kan ändras
# (`Method(need_indicators=…)`).
#
# - **Modellen.** Per insats och år, över alla kommuner med data, en negativ binomial
#   regression (statsmodels, NB2 med maximum likelihood; `need_model="quasi_poisson"` ger
#   en kvasi-Poisson-GLM): log μ = log E + α + Σ β_k · log(behovskvot_k), där E är det
#   åldersjusterade förväntade antalet och behovskvoten kommunens nivå av måttet delad med
#   rikets. β = 1 betyder att insatsen följer måttet i proportion, β = 0 att den inte följer
#   det alls.
# - **E\* = E · exp(α̂ + Σ β̂_k · log behovskvot_k)** är det förväntade antalet med hänsyn
#   till ålder och behov. O/E\* går genom samma intervall, överspridning (samma fönster av
#   år) och trattgränser som O/E (`need_ratio`, `need_flag`).
# - **När måtten inte förklarar insatsen** (inget β:s 95 %-intervall ligger helt över 0,
#   `need_explains` falsk; ett β helt under 0, mer behov men färre personer, räknas inte
#   som behov) visar rapporten bara den åldersjusterade jämförelsen.
# - **Uppdelningen i personer.** Skillnaden mot rikets råa nivå, O − E_rå, delas symmetriskt
#   (Shapleyvärdet för de tre faktorerna ålder E/E_rå, behov exp(Σ β̂_k · log
#   behovskvot_k) och resten) i åldersstruktur (`composition_effect`), behovsmått
#   (`need_effect`) och övrigt (`other_effect`: praxis, utbud, slump; här hamnar också
#   modellens konstant α̂, så att en kommun med rikets nivå på behovsmåtten inte får någon
#   behovsdel). De tre summerar exakt till O − E_rå; utan
#   behovsjustering blir det den tvådelade Kitagawa-uppdelningen.
# - **Saknade mått.** Saknas eller skyddas ett mått för en kommun bedöms inte dess
#   behovsjusterade rad (`need_reason` säger varför); inget fylls i. Saknas ett mått helt
#   gäller det alla kommuner för de insatserna, och den åldersjusterade jämförelsen står kvar.
# - **Förbehåll.** Måtten är ungefärliga (placering i anpassad skola är också ett kommunalt
#   beslut, av en annan nämnd). Regressionen görs mellan kommuner (ekologisk): den säger vad
#   som är vanligt för kommuner med sådana behovsnivåer, inte vad varje person behöver. Ett
#   mått med slumpvariation (små tal i små kommuner) gör β för litet, så justeringen blir
#   snarare för liten än för stor. En simulering i testsviten
#   (`tests/test_need_simulation.py`) visar att β återfinns inom sitt 95 %-intervall i 95–97
#   % av dragningarna och att en behovsdriven avvikelse inte längre flaggas efter
#   justeringen, medan en avvikelse i praxis på +30 % fortsätter att flaggas.
#
# Tabellen visar de skattade β för det valda året (på demodata: den påhittade effekten av
# behov på daglig verksamhet och bostad med särskild service, och ingen effekt för övriga
# insatser).

# %%
from benchmark.comparison import load_inputs, need_fits

need_year = int(table["year"][0])
views.show(views.beta_table(need_fits(load_inputs(settings), need_year), need_year, "sv"))

# %% [markdown]
# ## 6. Jämförelsegrupper
#
# Standardgruppen är RKA:s **Liknande kommuner LSS**. RKA väljer dessa kommuner bland annat
# efter *referenskostnad* för LSS, och referenskostnaden räknas fram ur antalet
# verkställda beslut. Gruppen är därmed delvis matchad på det vi mäter (**cirkularitet**):
# kommuner med många insatser hamnar bland varandra, så en kommun ser mindre avvikande ut
# mot gruppen än mot riket. Gruppen svarar bäst på "är vi dyra för vår volym?", inte på
# "är vår volym hög?". Jämför därför också med kommungrupp eller län (`peer_group=`).
# Gruppens nivå är poolad (Σ personer / Σ invånare), utan kommunen själv, och räknas med
# samma åldersmodell och referensåldrar som riket. Kvoten mot gruppen har ett intervall som
# räknar med tre osäkerheter (på kvadratrotsskalan): kommunens eget Poissonfel 1/(4E_p),
# felet i gruppens egna antal (O/E_p)·Var(E_p)/(4E_p²) med Var(E_p) = Σ_b personer_b ·
# (kommunens W_b / gruppens W_b)², och τ² (variationen mellan kommuner i rikets tratt).
# Gruppen är några få kommuner, så dess nivå är själv osäker, och lite över gruppen är vad
# kommuner brukar vara. Version 0.1 behandlade gruppens förväntade antal som känt
# (`Method(peer_interval="fixed")`); intervallen blir nu 1,3–2,8 gånger bredare.
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
# - **Tydligt högre / tydligt lägre (▲/▼)** = `flag` higher/lower *och* `robust`: utanför
#   kontrollgränsen 99,8 % (justerad för överspridning, avsnitt 4), signifikant i det exakta
#   Poissontestet på samma nivå, och samma flagga med alla alternativ i avsnitt 5.
# - **"Högre/lägre, men det beror på hur åldrarna räknas" (△/▽)** = `flag` higher/lower men
#   `robust` falsk; rapporten namnger alternativen i `flag_depends_on` (t.ex.
#   `age_model=band`: "om rikets andel räknas som lika stor i alla åldrar …";
#   `age_band=20-66`: "med åldrarna 20–66 i stället för 20–64").
# - **"Ingen tydlig skillnad mot riket"** = `flag` similar. Det betyder inte att nivån är
#   densamma som rikets: intervallet kan vara brett (t.ex. 0,81–1,27).
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
