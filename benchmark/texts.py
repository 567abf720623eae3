"""Longer reader-facing texts (sv/en side by side) for charts, the explorer and the screening
tool; short labels live in :data:`benchmark.fmt.TEXTS`. Read them with
:func:`benchmark.fmt.text`, which fills ``{placeholders}``.

Plain language: the words a unit head uses. Technical terms (control limit 99,8 %, exact
test, overdispersion φ, τ², shrunk ratio) belong in ``notebooks/04-metod``, not here.
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, str]] = {
    # --- what "clearly" means (summary, charts) ---------------------------------------------
    "summary_lead_profile": {
        "sv": "Jämförelsen tar hänsyn till hur många kvinnor och män i olika åldrar som bor i "
              "kommunen: det förväntade antalet bygger på hur vanlig insatsen är i riket i varje "
              "ålder. ”Tydligt” betyder att skillnaden är större än vad slumpen och vanlig "
              "variation mellan kommuner brukar ge, och att den finns kvar även när åldrarna "
              "räknas på andra rimliga sätt.",
        "en": "The comparison allows for how many women and men of each age live in the "
              "municipality: the expected number rests on how common the support is in Sweden "
              "at each age. “Clearly” means the difference is larger than chance and ordinary "
              "variation between municipalities usually give, and that it remains when the "
              "ages are counted in other reasonable ways.",
    },
    "age_note_profile": {
        "sv": "Förväntat antal = det antal personer kommunen skulle ha om insatsen var lika "
              "vanlig som i riket bland kvinnor och män i varje ålder inom insatsens "
              "åldersgrupp (t.ex. 20 år och äldre för bostad med särskild service; "
              "ledsagarservice och kontaktperson alla åldrar). Hur vanlig insatsen är i olika "
              "åldrar bygger på rikets siffror för 2021.",
        "en": "Expected number = the number of persons the municipality would have if the "
              "support were as common as in Sweden among women and men of each age within the "
              "category's age band (e.g. 20 and over for housing with special service; "
              "companion service and contact person all ages). How common the support is at "
              "different ages rests on Sweden's figures for 2021.",
    },
    "not_shown": {
        "sv": "Skillnaden som är kvar när åldrarna är medräknade (övrig skillnad) kan bero på "
              "behov, praxis, utbud eller slump. Siffrorna kan inte skilja dessa åt.",
        "en": "The difference that remains once ages are allowed for (other difference) may "
              "come from need, practice, supply or chance. The numbers cannot tell these "
              "apart.",
    },
    "depends_lead": {
        "sv": "{what} men det beror på hur åldrarna räknas: {how} blir bedömningen en annan. "
              "Skillnaden räknas därför inte som tydlig.",
        "en": "{what} but it depends on how the ages are counted: {how} the assessment "
              "changes. The difference is therefore not called clear.",
    },
    "depends_similar": {
        "sv": "För {name} finns ingen tydlig skillnad mot riket, men {how} skulle den räknas "
              "som {direction}.",
        "en": "For {name} there is no clear difference from Sweden, but {how} it would count "
              "as {direction}.",
    },
    "depends_higher": {"sv": "Antalet för {name} ser högre ut än riket,",
                       "en": "The number for {name} looks higher than Sweden's,"},
    "depends_lower": {"sv": "Antalet för {name} ser lägre ut än riket,",
                      "en": "The number for {name} looks lower than Sweden's,"},
    "direction_higher": {"sv": "tydligt högre", "en": "clearly higher"},
    "direction_lower": {"sv": "tydligt lägre", "en": "clearly lower"},
    "alternative_age_model_band": {
        "sv": "om rikets andel räknas som lika stor i alla åldrar {band}",
        "en": "if Sweden's share is taken as the same at every age {band}",
    },
    "alternative_age_model_profile": {
        "sv": "om rikets skillnader mellan åldrar och mellan kvinnor och män räknas med",
        "en": "if Sweden's differences between ages and between women and men are allowed for",
    },
    "alternative_age_band": {
        "sv": "med åldrarna {band} i stället för {own}",
        "en": "with the ages {band} instead of {own}",
    },
    "summary_lead": {
        "sv": "Jämförelsen tar hänsyn till hur många invånare kommunen har i de åldrar där "
              "insatsen ges (en åldersgrupp per insats; ledsagarservice och kontaktperson ges i "
              "alla åldrar och är inte åldersjusterade). ”Tydligt” betyder att skillnaden är "
              "större än vad slumpen och vanlig variation mellan kommuner brukar ge.",
        "en": "The comparison allows for how many inhabitants the municipality has in the ages "
              "where the support is given (one age band per category; companion service and "
              "contact person are given at all ages and not age-adjusted). “Clearly” means the "
              "difference is larger than chance and ordinary variation between municipalities "
              "usually give.",
    },
    "flag_rule": {
        "sv": "▲/▼ = tydligt avvikande: utanför den streckade gränsen och med så många personer "
              "att slumpen inte räcker som förklaring.",
        "en": "▲/▼ = clearly deviating: outside the dashed limit, with enough persons that "
              "chance cannot explain it.",
    },
    # --- chart captions -----------------------------------------------------------------------
    "forest_caption": {
        "sv": "Kvoten jämför antalet personer med insatsen med det antal som skulle väntas om "
              "kommunen hade rikets andel i insatsens åldersgrupp (tabellen visar vilka åldrar; "
              "insatser för alla åldrar är inte åldersjusterade). 1 betyder samma nivå som "
              "riket, 1,5 betyder 50 % fler personer än väntat. Strecken visar osäkerheten "
              "(95 % konfidensintervall). ▲/▼ markerar insatser som ligger tydligt högre eller "
              "lägre än riket: skillnaden är större än vad slumpen och vanlig variation mellan "
              "kommuner brukar ge. Orange ◇ visar var {peer} själv ligger mot riket (räknat på "
              "kommunens egen åldersstruktur). Insatserna överlappar och ska inte summeras.",
        "en": "The ratio compares the number of persons with the support with the number "
              "expected if the municipality had Sweden's share in the category's age band (the "
              "table shows which ages; categories for all ages are not age-adjusted). 1 means "
              "the same level as Sweden, 1.5 means 50% more persons than expected. Bars show "
              "the uncertainty (95% confidence intervals). ▲/▼ mark categories clearly higher "
              "or lower than Sweden: the difference is larger than chance and ordinary "
              "variation between municipalities usually give. Orange ◇ show where {peer} "
              "itself stands against Sweden (applied to this municipality's age structure). "
              "Categories overlap and must not be summed.",
    },
    "forest_caption_profile": {
        "sv": "Kvoten jämför antalet personer med insatsen med det antal som skulle väntas om "
              "insatsen var lika vanlig som i riket bland kvinnor och män i varje ålder "
              "(tabellen visar vilka åldrar som jämförs). 1 betyder samma nivå som riket, 1,5 "
              "betyder 50 % fler personer än väntat. Strecken visar osäkerheten (95 % "
              "konfidensintervall). ▲/▼ markerar insatser som ligger tydligt högre eller lägre "
              "än riket: skillnaden är större än vad slumpen och vanlig variation mellan "
              "kommuner brukar ge, och den finns kvar även när åldrarna räknas på andra rimliga "
              "sätt. △/▽ betyder högre eller lägre, men inte med alla sätt att räkna åldrarna. "
              "Orange ◇ visar var {peer} själv ligger mot riket (räknat på kommunens egen "
              "åldersstruktur). Insatserna överlappar och ska inte summeras.",
        "en": "The ratio compares the number of persons with the support with the number "
              "expected if the support were as common as in Sweden among women and men of each "
              "age (the table shows which ages are compared). 1 means the same level as "
              "Sweden, 1.5 means 50% more persons than expected. Bars show the uncertainty (95% "
              "confidence intervals). ▲/▼ mark categories clearly higher or lower than Sweden: "
              "the difference is larger than chance and ordinary variation between "
              "municipalities usually give, and it remains when the ages are counted in other "
              "reasonable ways. △/▽ mean higher or lower, but not with every way of counting "
              "the ages. Orange ◇ show where {peer} itself stands against Sweden (applied to "
              "this municipality's age structure). Categories overlap and must not be summed.",
    },
    "funnel_caption": {
        "sv": "Varje punkt är en kommun. Ju fler personer som väntas (längre åt höger), desto "
              "smalare blir tratten, eftersom slumpen betyder mindre i stora kommuner. "
              "Streckad linje: gräns för tydlig avvikelse (av slump hamnar bara omkring 1 "
              "kommun på 500 utanför); prickad: gräns för möjlig avvikelse (1 på 20). {limits} "
              "{rule} ⊗ = utanför gränsen men för få personer för en säker slutsats.",
        "en": "Each point is a municipality. The more persons expected (further right), the "
              "narrower the funnel, because chance matters less in large municipalities. "
              "Dashed line: limit for a clear deviation (by chance only about 1 municipality "
              "in 500 lands outside); dotted: limit for a possible deviation (1 in 20). "
              "{limits} {rule} ⊗ = outside the limit but too few persons for a firm "
              "conclusion.",
    },
    "funnel_limits_widened": {
        "sv": "Gränserna är vidgade, eftersom kommunerna skiljer sig mer än slumpen ensam ger.",
        "en": "The limits are widened, because municipalities differ more than chance alone "
              "gives.",
    },
    "funnel_limits_chance": {
        "sv": "Gränserna visar bara slumpens variation; kommunerna skiljer sig inte mer än så.",
        "en": "The limits show chance variation only; municipalities differ no more than that.",
    },
    "decomposition_caption": {
        "sv": "Skillnaden mellan kommunens antal och det antal rikets genomsnittsnivå skulle "
              "ge, i personer. Hel stapel: den del som beror på att kommunen har fler eller "
              "färre invånare i de åldrar där insatsen är vanlig. Randig stapel: övrig "
              "skillnad, som kan bero på behov, praxis, utbud eller slump; siffrorna kan inte "
              "skilja dem åt. Delarna räknas symmetriskt (ingen av dem får det som beror på "
              "båda). Insatserna överlappar och ska inte summeras.",
        "en": "The difference between the municipality's number and the number Sweden's "
              "average level would give, in persons. Solid bar: the part due to more or fewer "
              "inhabitants in the ages where the support is common. Striped bar: the other "
              "difference, which may come from need, practice, supply or chance; the numbers "
              "cannot tell them apart. The parts are split symmetrically (neither gets what is "
              "due to both). Categories overlap and must not be summed.",
    },
    "decomposition_caption_unadjusted": {
        "sv": "Insatser utan åldersjustering saknar hel stapel ({missing}).",
        "en": "Categories without age adjustment have no solid bar ({missing}).",
    },
    "peer_subtitle": {"sv": "Jämförelsegrupp: {peer}", "en": "Peer group: {peer}"},
    # --- the explorer (notebook 01) -----------------------------------------------------------
    "compare_with": {"sv": "Jämför med", "en": "Compare with"},
    "peer_choice_liknande_lss": {"sv": "Liknande kommuner LSS (RKA)",
                                 "en": "Similar municipalities LSS (RKA)"},
    "peer_choice_kommungrupp": {"sv": "Kommungrupp (SKR)", "en": "Municipality group (SKR)"},
    "peer_choice_lan": {"sv": "Samma län", "en": "Same county"},
    "no_liknande_group": {
        "sv": "Det finns ingen grupp Liknande kommuner LSS för {name} {year}. Välj "
              "Kommungrupp eller Samma län under Jämför med för att se en jämförelsegrupp.",
        "en": "There is no Similar municipalities LSS group for {name} {year}. Choose "
              "Municipality group or Same county under Compare with to see a peer group.",
    },
    "compare_failed": {"sv": "Det gick inte att jämföra: {error}",
                       "en": "The comparison could not be made: {error}"},
    "show_table": {"sv": "Visa siffrorna i en tabell", "en": "Show the numbers in a table"},
    "show_more": {"sv": "Visa förklaring och siffror", "en": "Show explanation and numbers"},
    "synthetic_tool": {
        "sv": "Syntetiska demodata – inte officiell statistik. Siffrorna är påhittade och visar "
              "bara hur verktyget fungerar.",
        "en": "Synthetic demo data – not official statistics. The numbers are invented and only "
              "show how the tool works.",
    },
    "chart_fallback": {
        "sv": "{title} (diagrammet visas i JupyterLab; siffrorna finns i tabellen under).",
        "en": "{title} (the chart shows in JupyterLab; the numbers are in the table below).",
    },
    # --- the screening tool (notebook 03) -----------------------------------------------------
    "by_category": {"sv": "Sammanställning per insats", "en": "Summary by category"},
    "by_category_caption": {
        "sv": "Antal kommuner per insats {year} som ligger tydligt över eller under riket",
        "en": "Municipalities per category {year} clearly above or below Sweden",
    },
    "assessed": {"sv": "Bedömda kommuner", "en": "Municipalities assessed"},
    "clearly_higher": {"sv": "Tydligt högre", "en": "Clearly higher"},
    "clearly_lower": {"sv": "Tydligt lägre", "en": "Clearly lower"},
    "suppressed_missing": {"sv": "Skyddad/saknas", "en": "Suppressed/missing"},
    "depends_on_ages": {"sv": "Högre/lägre, beror på åldrarna",
                        "en": "Higher/lower, depends on ages"},
    # --- the method notebook (04) -----------------------------------------------------------
    "od_headers": {"sv": "Överspridning φ|τ²|År (fönster)|τ² år för år (min–max)",
                   "en": "Overdispersion φ|τ²|Years (window)|τ² year by year (min–max)"},
    "profile_headers": {"sv": "Ålder|Krets 1–3 kvinnor|Krets 1–3 män|Krets 1–2 kvinnor|"
                              "Krets 1–2 män",
                        "en": "Age|Kretsar 1–3 women|Kretsar 1–3 men|Kretsar 1–2 women|"
                              "Kretsar 1–2 men"},
    "profile_caption": {
        "sv": "Personer med LSS-insats per 10 000 invånare i riket 1 oktober 2021, i de "
              "härledda åldersgrupperna (SCB/Socialstyrelsen); formen inom referensåldrarna",
        "en": "Persons with LSS support per 10,000 inhabitants in Sweden on 1 October 2021, "
              "in the derived age groups (SCB/Socialstyrelsen); the shape inside the "
              "reference bands",
    },
    "sex_factor_headers": {"sv": "Insats|Personkretsar|Faktor på männens profil",
                           "en": "Category|Personkretsar|Factor on the men's profile"},
    "sex_factor_caption": {
        "sv": "Personkretsar och könsfaktor per insats (faktorn ger insatsens kvot män/kvinnor "
              "2021 inom åldersgruppen)",
        "en": "Personkretsar and sex factor per category (the factor gives the category's "
              "men/women ratio of 2021 within its age band)",
    },
    "robust_headers": {"sv": "Insats|Flaggade (99,8 %)|Varav robusta|Vanligaste alternativet "
                             "som ändrar flaggan",
                       "en": "Category|Flagged (99.8%)|Of which robust|Alternative that most "
                             "often changes the flag"},
    "robust_caption": {
        "sv": "Robusta flaggor {year}: samma flagga med bandmodellen och med varje åldersgräns "
              "flyttad ± 2 år",
        "en": "Robust flags {year}: the same flag under the band model and with each band "
              "edge moved ± 2 years",
    },
    "reference_rest_all": {
        "sv": "{name} har mer än 5 % av rikets invånare i insatsernas åldrar. Kommunen jämförs "
              "därför med resten av landet, så att den inte jämförs med sig själv.",
        "en": "{name} has more than 5% of Sweden's inhabitants in the ages of the categories. "
              "It is therefore compared with the rest of the country, so that it is not "
              "compared with itself.",
    },
    "reference_rest": {
        "sv": "{name} har mer än 5 % av rikets invånare i åldrarna för {names}. Där jämförs "
              "kommunen med resten av landet, så att den inte jämförs med sig själv.",
        "en": "{name} has more than 5% of Sweden's inhabitants in the ages of {names}. There "
              "the municipality is compared with the rest of the country, so that it is not "
              "compared with itself.",
    },
    "ratio_of": {"sv": "{name}: kvot mot riket", "en": "{name}: ratio to Sweden"},
    "deviating_categories": {"sv": "Insatser som avviker tydligt",
                             "en": "Categories that deviate clearly"},
    "table_view": {"sv": "Visa", "en": "Show"},
    "overview_all": {"sv": "Översikt: alla insatser", "en": "Overview: all categories"},
    "search": {"sv": "Sök kommun", "en": "Find"},
    "search_hint": {"sv": "en del av namnet", "en": "part of the name"},
    "only_deviating": {"sv": "Bara tydligt avvikande", "en": "Only clear deviations"},
    "sort_by": {"sv": "Sortera", "en": "Sort"},
    "sort_name": {"sv": "Kommun (A–Ö)", "en": "Municipality (A–Z)"},
    "sort_most_higher": {"sv": "Flest tydligt högre", "en": "Most clearly higher"},
    "sort_most_lower": {"sv": "Flest tydligt lägre", "en": "Most clearly lower"},
    "sort_ratio_desc": {"sv": "Kvot, högst först", "en": "Ratio, highest first"},
    "sort_ratio_asc": {"sv": "Kvot, lägst först", "en": "Ratio, lowest first"},
    "sort_size": {"sv": "Flest väntade personer", "en": "Most persons expected"},
    "rows_shown": {"sv": "Visar {n} av {total} kommuner.",
                   "en": "Showing {n} of {total} municipalities."},
    "ratio_sort_note": {
        "sv": "Sortering på kvot väger in osäkerheten, så att små kommuner inte hamnar först "
              "bara av slump; ordningen kan därför skilja sig något från kvoterna i tabellen.",
        "en": "Sorting by ratio allows for uncertainty, so that small municipalities do not "
              "come first by chance alone; the order may therefore differ slightly from the "
              "ratios in the table.",
    },
    "table_caption": {
        "sv": "Alla kommuner {year}: {view}. {name} är markerad.",
        "en": "All municipalities {year}: {view}. {name} is highlighted.",
    },
    "funnels_heading": {"sv": "{name} bland alla kommuner, insats för insats",
                        "en": "{name} among all municipalities, category by category"},
    "funnels_intro": {
        "sv": "Varje punkt är en kommun; {name} är markerad i blått med namn. Till höger de "
              "stora kommunerna, där även små skillnader är säkra; till vänster de små, där "
              "slumpen betyder mer.",
        "en": "Each point is a municipality; {name} is marked in blue with its name. Large "
              "municipalities lie to the right, where even small differences are reliable; "
              "small ones to the left, where chance matters more.",
    },
    "no_funnel": {"sv": "{category}: ingen kommun kunde bedömas {year}.",
                  "en": "{category}: no municipality could be assessed in {year}."},
    # --- the municipality's own decisions (benchmark.register.present) ----------------------
    "register_fill_in": {
        "sv": "Skriv sökvägen till exporten av kommunens beslut (register_file) och kommunkoden "
              "(municipality) i cellen med parametrar ovan och kör alla celler igen. Mallen "
              "finns i templates/register/.",
        "en": "Write the path of the export of the municipality's decisions (register_file) "
              "and the municipality code (municipality) in the parameters cell above and run "
              "all cells again. The template is in templates/register/."},
    "register_section": {"sv": "Egna beslut i år", "en": "Own decisions this year"},
    "register_included": {
        "sv": "Det här avsnittet bygger på kommunens eget verksamhetssystem ({file}, {rows} "
              "rader), inte på officiell statistik. Rapporten innehåller bara sammanräknade "
              "tal från registret; tal som bygger på en eller två personer visas som –, och "
              "likaså tal som skulle avslöja dem. Registret lämnar aldrig kommunens egen fil.",
        "en": "This section is based on the municipality's own case system ({file}, {rows} "
              "rows), not on official statistics. The report holds only aggregated figures "
              "from the register; figures of one or two persons show as –, and so do figures "
              "that would give them away. The register never leaves the municipality's file.",
    },
    "register_left_out": {"sv": "{n} rader räknas inte: {reason}.",
                          "en": "{n} rows are not counted: {reason}."},
    "register_left_personlig_assistans_sfb": {
        "sv": "assistansersättning beslutas av Försäkringskassan (SFB), inte av kommunen",
        "en": "assistance allowance is decided by the Social Insurance Agency (SFB), not by "
              "the municipality"},
    "register_left_rad_och_stod": {
        "sv": "råd och stöd (9 § 1) är regionens ansvar och finns inte i den nationella "
              "statistiken",
        "en": "råd och stöd (9 § 1) is the region's responsibility and not in the national "
              "statistics"},
    "register_left_skip": {"sv": "benämningen ska hoppas över (--map …=skip)",
                           "en": "the label is to be skipped (--map …=skip)"},
    "register_stale": {
        "sv": "Filens senaste datum är {last}; personerna räknas den {date} så som filen "
              "lämnade dem.",
        "en": "The newest date in the file is {last}; persons are counted on {date} as the "
              "file left them.",
    },
    "register_stock_heading": {"sv": "Personer med insatser den {date} jämfört med riket",
                               "en": "Persons with support on {date} compared with Sweden"},
    "register_stock_title": {"sv": "{name} den {date}: egna beslut jämfört med riket {year}",
                             "en": "{name} on {date}: own decisions compared with Sweden "
                                   "{year}"},
    "register_stock_caption": {
        "sv": "Antalet personer som den {date} hade ett verkställt beslut enligt kommunens "
              "eget register, jämfört med det antal rikets andelar {year} (senaste "
              "publicerade året) skulle ge med kommunens invånare {year}: kvinnor och män i "
              "varje ålder inom varje insats åldersgrupp. Assistansersättning (SFB) beslutas "
              "av Försäkringskassan och visas med den publicerade siffran för {year}.",
        "en": "The number of persons who on {date} had an executed decision in the "
              "municipality's own register, compared with the number Sweden's shares in "
              "{year} (the newest published year) would give with the municipality's "
              "inhabitants in {year}: women and men of each age within each category's age "
              "band. Assistance allowance (SFB) is "
              "decided by the Social Insurance Agency and shown with the published figure "
              "for {year}.",
    },
    "register_reconciliation_heading": {
        "sv": "Stämmer registret med den officiella statistiken?",
        "en": "Does the register agree with the official statistics?"},
    "register_reconciliation_lead": {
        "sv": "Registrets antal personer den 1 oktober varje år jämfört med det antal "
              "kommunen rapporterade till Socialstyrelsen (Kolada). En person räknas om "
              "beslutet är beviljat, verkställt senast den 1 oktober och inte avslutat före "
              "den dagen. {agreement} Skillnader kan bero på beslut som registrerats i efterhand, "
              "rättelser, personer som flyttat eller att exporten saknar beslut.",
        "en": "The register's number of persons on 1 October each year compared with the "
              "number the municipality reported to the National Board of Health and Welfare "
              "(Kolada). A person counts when the decision is granted, executed by 1 October "
              "and not ended before that day. {agreement} Differences can come from "
              "decisions registered afterwards, corrections, persons who moved or an export "
              "that lacks decisions.",
    },
    "register_agree_all": {"sv": "I alla {cells} jämförelser är antalen lika.",
                           "en": "In all {cells} comparisons the numbers are equal."},
    "register_agree_some": {
        "sv": "I {same} av {cells} jämförelser är antalen lika; största skillnaden är "
              "{largest}.",
        "en": "In {same} of {cells} comparisons the numbers are equal; the largest "
              "difference is {largest}."},
    "register_reconciliation_caption": {
        "sv": "Registret minus Kolada per år och insats (personer); – = dolt (1–2 personer)",
        "en": "Register minus Kolada per year and category (persons); – = hidden "
              "(1–2 persons)"},
    "register_flow_heading": {"sv": "Beslut, avslag och väntetider",
                              "en": "Decisions, refusals and waiting times"},
    "register_flow_title": {"sv": "{name}: beslut per år, alla insatser",
                            "en": "{name}: decisions per year, all categories"},
    "register_flow_caption": {
        "sv": "Beviljade (bifall och delvis bifall) och avslagna beslut per år, alla insatser "
              "tillsammans; {last} till och med {date}. Linjen visar hur många beviljade "
              "beslut som inte verkställdes inom tre månader (gränsen för rapport till IVO).",
        "en": "Granted (in full or in part) and refused decisions per year, all categories "
              "together; {last} up to {date}. The line shows how many granted decisions were "
              "not executed within three months (the limit for reporting to IVO).",
    },
    "register_flow_table_caption": {
        "sv": "Beslut per insats {year} (till och med {date}); – = dolt (1–2 personer)",
        "en": "Decisions per category {year} (up to {date}); – = hidden (1–2 persons)"},
    "register_waiting_note": {
        "sv": "Väntat mer än tre månader: beviljade beslut som inte verkställdes inom tre "
              "månader från beslutsdagen, både de som verkställdes senare och de som ännu "
              "väntar. Väntar nu: av dem, de som varken verkställts eller avslutats den {date}. "
              "Dagar till start: median för beslut som verkställdes under året.",
        "en": "Waited over three months: granted decisions not executed within three months "
              "of the decision day, whether executed later or still waiting. Waiting now: of "
              "those, the ones neither executed nor closed on {date}. Days to start: median "
              "for decisions executed during the year.",
    },
    "register_hidden": {"sv": "dolt (1–2 personer)", "en": "hidden (1–2 persons)"},
    "register_decisions": {"sv": "Beslut", "en": "Decisions"},
    "register_granted": {"sv": "Beviljade", "en": "Granted"},
    "register_refused": {"sv": "Avslag", "en": "Refused"},
    "register_share_refused": {"sv": "Andel avslag", "en": "Share refused"},
    "register_started": {"sv": "Verkställda", "en": "Started"},
    "register_ended": {"sv": "Avslutade", "en": "Ended"},
    "register_median_days": {"sv": "Dagar till start (median)",
                             "en": "Days to start (median)"},
    "register_waiting": {"sv": "Väntat mer än 3 mån", "en": "Waited over 3 months"},
    "register_still_waiting": {"sv": "Väntar nu", "en": "Waiting now"},
    "register_persons": {"sv": "Registret", "en": "Register"},
    "register_kolada": {"sv": "Kolada", "en": "Kolada"},
    "register_difference": {"sv": "Skillnad", "en": "Difference"},
    "register_all": {"sv": "Alla insatser", "en": "All categories"},
    "register_not_published": {"sv": "ej publicerad", "en": "not published"},
}
