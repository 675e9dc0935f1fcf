using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Educloud.Idp.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AdminApi : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ActorRole",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ActorRole",
                table: "AuditEvents");
        }
    }
}
