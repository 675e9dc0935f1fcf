using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Educloud.Idp.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PendingLoginNonce : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PendingLogins",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PendingLogins", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PendingLogins_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PendingLogins_ExpiresAt",
                table: "PendingLogins",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_PendingLogins_UserId",
                table: "PendingLogins",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PendingLogins");
        }
    }
}
