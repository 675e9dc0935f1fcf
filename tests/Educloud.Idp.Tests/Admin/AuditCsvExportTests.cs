using System.Globalization;
using CsvHelper;
using Educloud.Idp.Connect;
using Educloud.Idp.Data;
using Educloud.Idp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Educloud.Idp.Tests.Admin;

/// <summary>
/// Issue 8, item 11: the audit CSV export, read back by a real CSV parser, gives every cell as it was
/// written (no value adds a column or a row) and no cell starts a formula in a spreadsheet.
/// </summary>
public sealed class AuditCsvExportTests(IdpFixture fixture) : IClassFixture<IdpFixture>
{
    private static readonly char[] FormulaStarts = ['=', '+', '-', '@', '\t', '\r', '\n', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];

    public static readonly string[] Nasty =
    [
        "plain text",
        "a,b",
        "a;b",
        "a\tb",
        "say \"hi\"",
        "\"",
        "\"\"",
        ",",
        ";",
        "line one\r\nline two",
        "line one\nline two",
        "ends with CR\r",
        "x\"\r\n=cmd|' /C calc'!A0",
        "=1+1",
        "=HYPERLINK(\"https://evil.example\",\"click\")",
        "+1",
        "-1",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "\n=1",
        "\uFF1D1+1",
        "'=already quoted",
        "=1;=2",
        "a,\"b\";c\td",
        " leading and trailing ",
        "ÆØÅ æøå",
    ];

    [Fact]
    public async Task NastyValues_RoundTripThroughACsvParser_AndNoneStartsAFormula()
    {
        var support = await AdminApi.LogInAsync(fixture.Idp, AdminRoles.Support);
        var userId = "csv-" + Guid.NewGuid().ToString("N");
        await AdminApi.InScopeAsync(fixture.Idp, async s =>
        {
            var db = s.GetRequiredService<IdpDbContext>();
            var at = fixture.Idp.Clock.GetUtcNow();
            foreach (var (value, index) in Nasty.Select((v, i) => (v, i)))
            {
                // The reason is support's free text; the client id and actor carry the same value, to check every text column.
                db.AuditEvents.Add(new AuditEvent { At = at, Type = "test.csv", UserId = userId, ClientId = value, Actor = value, Reason = value, ActorRole = index.ToString(CultureInfo.InvariantCulture) });
            }

            return await db.SaveChangesAsync();
        });

        using var client = AdminApi.Client(fixture.Idp, support.AccessToken);
        var text = await client.GetStringAsync("/api/admin/audit/export.csv?userId=" + userId);

        // Strict RFC 4180: malformed quoting or a record with another number of fields throws.
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            Mode = CsvMode.Rfc4180,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
        };
        using var csv = CsvReader.FromText(text, options);
        csv.Headers.Should().Equal("id", "at", "type", "user_id", "client_id", "actor", "actor_role", "reason", "client_ip");
        var rows = new List<string[]>();
        while (csv.Read())
        {
            csv.FieldCount.Should().Be(9, "no value adds a column");
            rows.Add([.. Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetString(i))]);
        }

        rows.Should().HaveCount(Nasty.Length, "no value adds a row");
        foreach (var row in rows)
        {
            var written = Nasty[int.Parse(row[6], CultureInfo.InvariantCulture)];
            var expected = FormulaStarts.Contains(written[0]) ? "'" + written : written;
            foreach (var cell in new[] { row[4], row[5], row[7] })
            {
                cell.Should().Be(expected, "the cell round-trips (a formula start gets an apostrophe)");
                if (cell.Length > 0)
                {
                    FormulaStarts.Should().NotContain(cell[0], "no cell starts a formula: " + cell);
                }
            }

            if (written.IndexOfAny([',', ';', '\t', '"', '\r', '\n']) >= 0)
            {
                // Quoted also for a spreadsheet that guesses ';' or tab as the separator.
                text.Should().Contain(",\"" + expected.Replace("\"", "\"\"", StringComparison.Ordinal) + "\",", "'" + written + "' is quoted");
            }
        }
    }

    [Theory]
    [InlineData("a;b", "\"a;b\"")]
    [InlineData("a\tb", "\"a\tb\"")]
    [InlineData("\t=1", "\"'\t=1\"")]
    [InlineData("=1;2", "\"'=1;2\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("plain", "plain")]
    [InlineData("-5", "'-5")]
    [InlineData(null, "")]
    public void Cell_QuotesSeparatorsAndQuotes_AndNeutralisesFormulas(string? value, string expected) =>
        Idp.Admin.AuditEndpoints.Cell(value).Should().Be(expected);
}
