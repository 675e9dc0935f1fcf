namespace Educloud.IdPortenSimulator;

/// <summary>
/// The login page's texts in ID-porten's four languages (ui_locales: nb, nn, en, se;
/// docs.digdir.no/docs/idporten/oidc/oidc_protocol_authorize). ID-porten picks the first
/// supported language in ui_locales. Without one, ID-porten shows Bokmål; the simulator shows
/// English, its working language for developers and the browser tests (the id_token's locale is
/// still "nb", as ID-porten's would be). The Sámi texts are the simulator's best effort.
/// </summary>
internal sealed record PageTexts(
    string Language,
    string Title,
    string IntroBefore,
    string IntroAfter,
    string PersonLegend,
    string EidasSuffix,
    string OtherPidLabel,
    string OtherPidHint,
    string LevelLegend,
    string LevelLow,
    string LevelSubstantial,
    string LevelHigh,
    string LogIn,
    string Cancel,
    string PidInvalid,
    string LevelMissing,
    string LevelTooLow)
{
    private static readonly PageTexts English = new(
        "en",
        "TestID — ID-porten simulator",
        "Logging in to",
        "This simulates ID-porten's test environment: no password, just pick a synthetic person and a level of assurance.",
        "Synthetic person",
        "foreign eID through eIDAS, no national identity number",
        "Or type another national identity number (11 digits)",
        "When filled in, this is used instead of the person chosen above.",
        "Level of assurance",
        "Low",
        "Substantial",
        "High",
        "Log in",
        "Cancel",
        "Choose a person, or type a national identity number of exactly 11 digits.",
        "Choose a level of assurance.",
        "The service asked for at least this level: {0}. Choose it or a higher one.");

    private static readonly PageTexts Bokmal = new(
        "nb",
        "TestID — ID-porten-simulator",
        "Innlogging til",
        "Dette simulerer ID-portens testmiljø: uten passord, bare velg en syntetisk person og et sikkerhetsnivå.",
        "Syntetisk person",
        "utenlandsk eID via eIDAS, uten fødselsnummer",
        "Eller skriv inn et annet fødselsnummer (11 siffer)",
        "Fylt ut brukes dette i stedet for personen valgt over.",
        "Sikkerhetsnivå",
        "Lavt",
        "Betydelig",
        "Høyt",
        "Logg inn",
        "Avbryt",
        "Velg en person, eller skriv inn et fødselsnummer på nøyaktig 11 siffer.",
        "Velg et sikkerhetsnivå.",
        "Tjenesten ba om minst dette nivået: {0}. Velg det eller et høyere.");

    private static readonly PageTexts Nynorsk = new(
        "nn",
        "TestID — ID-porten-simulator",
        "Innlogging til",
        "Dette simulerer testmiljøet til ID-porten: utan passord, berre vel ein syntetisk person og eit tryggleiksnivå.",
        "Syntetisk person",
        "utanlandsk eID via eIDAS, utan fødselsnummer",
        "Eller skriv inn eit anna fødselsnummer (11 siffer)",
        "Fylt ut blir dette brukt i staden for personen vald over.",
        "Tryggleiksnivå",
        "Lågt",
        "Betydeleg",
        "Høgt",
        "Logg inn",
        "Avbryt",
        "Vel ein person, eller skriv inn eit fødselsnummer på nøyaktig 11 siffer.",
        "Vel eit tryggleiksnivå.",
        "Tenesta bad om minst dette nivået: {0}. Vel det eller eit høgare.");

    private static readonly PageTexts NorthernSami = new(
        "se",
        "TestID — ID-porten-simulator",
        "Sisačáliheapmi bálvalussii",
        "Dát simulere ID-portena geahččalanbirrasa: ii beassansátni, vállje dušše syntehtalaš olbmo ja sihkarvuođadási.",
        "Syntehtalaš olmmoš",
        "olgoriikka eID eIDAS bokte, riegádannummar ii leat",
        "Dahje čális eará riegádannummara (11 logu)",
        "Go dát lea devdojuvvon, de dát geavahuvvo baicce go badjelis válljejuvvon olmmoš.",
        "Sihkarvuođadássi",
        "Vuollegis",
        "Mearkkašahtti",
        "Allat",
        "Čálit sisa",
        "Gaskkalduhte",
        "Vállje olbmo, dahje čális riegádannummara mas leat juste 11 logu.",
        "Vállje sihkarvuođadási.",
        "Bálvalus bivddii unnimusat dán dási: {0}. Vállje dan dahje alit dási.");

    public static PageTexts For(string language) => language switch
    {
        "nb" => Bokmal,
        "nn" => Nynorsk,
        "se" => NorthernSami,
        _ => English,
    };

    public string LevelName(int rank) => rank switch
    {
        Levels.LowRank => LevelLow,
        Levels.SubstantialRank => LevelSubstantial,
        _ => LevelHigh,
    };
}
