using System.Reflection;

namespace Accel.IO.Workloads;

/// <summary>The SQL text of the standard workloads, shipped inside the assembly: the 22 TPC-H queries (with
/// the specification's validation parameters) and the H2O db-benchmark groupby and join questions.</summary>
public static class WorkloadQueries
{
    /// <summary>Query names of a workload in run order ("q01".."q22" for tpch).</summary>
    public static IReadOnlyList<string> Names(string workload)
    {
        var prefix = $"workloads/{workload}/";
        var names = typeof(WorkloadQueries).Assembly.GetManifestResourceNames()
            .Where(n => n.Replace('\\', '/').StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => n.Replace('\\', '/')[prefix.Length..^4]).Order(StringComparer.Ordinal).ToArray();
        if (names.Length == 0) throw new AccelException($"unknown workload '{workload}' (known: tpch, h2o-groupby, h2o-join)");
        return names;
    }

    /// <summary>The SQL of one query of a workload.</summary>
    public static string Sql(string workload, string query) => Text(workload, query, ".sql")
        ?? throw new AccelException($"no query '{query}' in workload '{workload}' (known: {string.Join(", ", Names(workload))})");

    /// <summary>The query as DuckDB must be asked to get Spark's answer, where the two differ (corr over one row is
    /// NULL in Spark 3, NaN in DuckDB); otherwise the query itself.</summary>
    public static string DuckDbSql(string workload, string query) => Text(workload, query, ".duckdb") ?? Sql(workload, query);

    private static string? Text(string workload, string query, string extension)
    {
        var asm = typeof(WorkloadQueries).Assembly;
        var name = asm.GetManifestResourceNames().FirstOrDefault(n => n.Replace('\\', '/') == $"workloads/{workload}/{query}{extension}");
        if (name is null) return null;
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
