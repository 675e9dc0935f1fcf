using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Educloud.Idp.Data;

/// <summary>
/// An EF Core compiled query for each model it runs with. A compiled query binds to the first model
/// it runs with and refuses any other ("executed with a different model"). A deployed IdP has one
/// model, but one test process holds several (SQLite and PostgreSQL, hosts with their own options).
/// </summary>
public sealed class PerModel<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> byModel = [];

    public TQuery For(DbContext db) => byModel.GetValue(db.Model, _ => compile());
}
