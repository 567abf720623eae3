"""Longer reader-facing texts (sv/en side by side) for charts, the explorer and the screening
tool; short labels live in :data:`benchmark.fmt.TEXTS`. Read them with
:func:`benchmark.fmt.text`, which fills ``{placeholders}``.

Plain language: the words a unit head uses. Technical terms (control limit 99,8 %, exact
test, overdispersion φ, τ², shrunk ratio) belong in ``notebooks/04-metod``, not here.
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, str]] = {
    # --- what "clearly" means (summary, charts) ---------------------------------------------
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
              "färre invånare i de åldrar där insatsen är vanlig. Randig stapel: resten, som "
              "kan bero på behov, praxis eller utbud. Insatser som ges i alla åldrar saknar hel "
              "stapel ({missing}): de är inte åldersjusterade, eftersom insatsen ges i alla "
              "åldrar. Insatserna överlappar och ska inte summeras.",
        "en": "The difference between the municipality's number and the number Sweden's "
              "average level would give, in persons. Solid bar: the part due to more or fewer "
              "inhabitants in the ages where the support is common. Striped bar: the rest, "
              "which may reflect needs, practice or supply. Categories given at all ages have "
              "no solid bar ({missing}): they are not age-adjusted, since the support is given "
              "at all ages. Categories overlap and must not be summed.",
    },
    "peer_subtitle": {"sv": "Jämförelsegrupp: {peer}", "en": "Peer group: {peer}"},
    # --- the exported report: accessibility, print and PDF ------------------------------------
    "chart_alt": {"sv": "{title}. Siffrorna finns i tabellen under diagrammet.",
                  "en": "{title}. The numbers are in the table below the chart."},
    "chart_needs_js": {
        "sv": "Diagrammet visas bara när JavaScript är påslaget. Alla siffror finns i tabellen "
              "under diagrammet.",
        "en": "The chart shows only with JavaScript switched on. All the numbers are in the "
              "table below the chart.",
    },
    "go_to_table": {"sv": "Gå till tabellen.", "en": "Go to the table."},
    "table_region": {"sv": "Tabell: {title}", "en": "Table: {title}"},
    "skip_to_summary": {"sv": "Hoppa till sammanfattningen", "en": "Skip to the summary"},
    "report_title": {"sv": "LSS-insatser {code} {year}", "en": "LSS support {code} {year}"},
    "report_subject": {"sv": "LSS-insatser i {name} {year} jämfört med riket",
                       "en": "LSS support in {name} {year} compared with Sweden"},
    "pdf_footer": {"sv": "{name} ({code}) · LSS-insatser {year}",
                   "en": "{name} ({code}) · LSS support {year}"},
    "page_of": {"sv": "Sida {page} av {pages}", "en": "Page {page} of {pages}"},
    # --- the index of a batch of reports (python -m benchmark reports) -------------------------
    "index_title": {"sv": "LSS-insatser {year}: rapporter för {n} kommuner",
                    "en": "LSS support {year}: reports for {n} municipalities"},
    "index_intro": {
        "sv": "En rapport per kommun. Huvudresultat: de insatser där kommunen ligger tydligt "
              "över eller under riket {year}, med hänsyn till åldersstrukturen. Detaljer, "
              "osäkerhet och förklaringar finns i varje rapport.",
        "en": "One report per municipality. Main findings: the categories where the "
              "municipality is clearly above or below Sweden in {year}, allowing for the age "
              "structure. Details, uncertainty and explanations are in each report.",
    },
    "index_caption": {"sv": "Kommuner och huvudresultat {year}",
                      "en": "Municipalities and main findings {year}"},
    "main_findings": {"sv": "Huvudresultat", "en": "Main findings"},
    "code": {"sv": "Kommunkod", "en": "Code"},
    "report_link": {"sv": "Rapport", "en": "Report"},
    "finding_higher": {"sv": "Tydligt över riket: {items}.",
                       "en": "Clearly above Sweden: {items}."},
    "finding_lower": {"sv": "Tydligt under riket: {items}.",
                      "en": "Clearly below Sweden: {items}."},
    "finding_none": {"sv": "Ingen insats avviker tydligt från riket.",
                     "en": "No category deviates clearly from Sweden."},
    "report_failed": {"sv": "Rapporten kunde inte skapas.", "en": "The report could not be made."},
    "index_failed": {
        "sv": "{n} av rapporterna kunde inte skapas; de är markerade i tabellen.",
        "en": "{n} of the reports could not be made; they are marked in the table.",
    },
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
              "publicerade året) skulle ge med kommunens invånare {year} i varje insats "
              "åldersgrupp. Assistansersättning (SFB) beslutas av Försäkringskassan och visas med "
              "den publicerade siffran för {year}.",
        "en": "The number of persons who on {date} had an executed decision in the "
              "municipality's own register, compared with the number Sweden's shares in "
              "{year} (the newest published year) would give with the municipality's "
              "inhabitants in {year} at each category's ages. Assistance allowance (SFB) is "
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
