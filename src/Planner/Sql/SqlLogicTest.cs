using System.Globalization;
using System.Text;
using Accel.Data;
using Accel.Sql;

namespace Accel.Planner.Sql;

/// <summary>One record of a sqllogictest file (DuckDB's format): a statement that must succeed or fail, or
/// a query with its expected rows (one line per row, columns separated by tabs).</summary>
public sealed record SqlLogicRecord(string File, int Line, bool IsQuery, bool ExpectError, string Sql, bool RowSort, IReadOnlyList<string> Expected)
{
    /// <summary>For a `load` record, the generator and its arguments (e.g. ["tpch", "0.001"]); else null.</summary>
    public IReadOnlyList<string>? Load { get; init; }
}

/// <summary>The tables a `load` record stands for: `load tpch SF` (the eight TPC-H tables), `load h2o-groupby ROWS K NAS`
/// (table x), `load h2o-join ROWS` (x, small, medium, big). Generated deterministically, so every engine that runs
/// the file sees the same rows.</summary>
public static class SqlLogicData
{
    /// <summary>Name, schema and batches of each table of a load record.</summary>
    public static IEnumerable<(string Name, Schema Schema, IReadOnlyList<ColumnBatch> Batches)> Tables(IReadOnlyList<string> load)
    {
        static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        switch (load[0])
        {
            case "tpch":
                foreach (var t in Accel.IO.Generators.TpchGenerator.TableNames)
                    yield return (t, Accel.IO.Generators.TpchGenerator.SchemaOf(t), Accel.IO.Generators.TpchGenerator.Generate(t, Num(load[1])).ToList());
                break;
            case "h2o-groupby":
            {
                var g = Accel.IO.Generators.H2oGenerator.GenerateGroupBy((long)Num(load[1]), (int)Num(load[2]), (int)Num(load[3]), sorted: false);
                yield return ("x", g.Schema, g.Batches.ToList());
                break;
            }
            case "h2o-join":
                foreach (var t in Accel.IO.Generators.H2oGenerator.GenerateJoin((long)Num(load[1]), 0))
                    yield return (t.Name, t.Schema, t.Batches.ToList());
                break;
            default:
                throw new AccelException($"unknown data set in load: '{load[0]}' (tpch, h2o-groupby, h2o-join)");
        }
    }
}

/// <summary>What running a file under one path gave.</summary>
public sealed record SqlLogicResult(string File, string Path, int Passed, IReadOnlyList<string> UnsupportedQueries, IReadOnlyList<string> Failures)
{
    /// <summary>How many queries the forced path could not run.</summary>
    public int Unsupported => UnsupportedQueries.Count;
}

/// <summary>Reads and runs sqllogictest files against an <see cref="AccelSession"/>.</summary>
public static class SqlLogicTest
{
    /// <summary>Parses a .test file.</summary>
    public static List<SqlLogicRecord> Parse(string file)
    {
        var lines = File.ReadAllLines(file);
        var records = new List<SqlLogicRecord>();
        for (int i = 0; i < lines.Length; i++)
        {
            var head = lines[i].Trim();
            if (head.Length == 0 || head.StartsWith('#')) continue;
            var parts = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int start = i + 1;
            if (parts[0] == "statement")
            {
                var sql = new StringBuilder();
                for (i++; i < lines.Length && lines[i].Trim().Length > 0; i++) sql.AppendLine(lines[i]);
                records.Add(new SqlLogicRecord(file, start, false, parts.Length > 1 && parts[1] == "error", sql.ToString().Trim(), false, []));
            }
            else if (parts[0] == "query")
            {
                var sql = new StringBuilder();
                for (i++; i < lines.Length && lines[i].Trim() != "----"; i++) sql.AppendLine(lines[i]);
                var expected = new List<string>();
                for (i++; i < lines.Length && lines[i].Trim().Length > 0; i++) expected.Add(lines[i].TrimEnd());
                records.Add(new SqlLogicRecord(file, start, true, false, sql.ToString().Trim(), parts.Contains("rowsort"), expected));
            }
            else if (parts[0] == "load")
                records.Add(new SqlLogicRecord(file, start, false, false, head, false, []) { Load = parts[1..] });
            else if (parts[0] is "require" or "mode") continue;
            else throw new AccelException($"{file}:{start}: unknown sqllogictest record '{parts[0]}'");
        }
        return records;
    }

    /// <summary>How a value is written in expected results: NULL, true/false, integers and decimals as is,
    /// floating point rounded to 6 decimals, dates yyyy-MM-dd, '(empty)' for an empty string.</summary>
    public static string Format(object? v) => v switch
    {
        null => "NULL",
        double d when double.IsNaN(d) => "NaN",
        double d => FormatDouble(d),
        float f => Format((double)f),
        string s => s.Length == 0 ? "(empty)" : s,
        // Decimals print without trailing zeros so that engines that drop the scale compare equal.
        decimal m => (m / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
        DateTime t when t.TimeOfDay == TimeSpan.Zero => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => ValueConversions.Format(v),
    };

    private static string FormatDouble(double d)
    {
        var s = Math.Round(d, 6).ToString("0.######", CultureInfo.InvariantCulture);
        return s == "-0" ? "0" : s;
    }

    /// <summary>Whether a rendered row equals an expected one: cell by cell, exactly, except that a floating value may
    /// differ by one unit in the 6th decimal, the last printed, or by 1e-12 of its value when that is more, since a
    /// parallel or GPU sum adds in another order and can round the other way (an integer must match exactly).</summary>
    public static bool LineMatches(string actual, string expected)
    {
        if (actual == expected) return true;
        var a = actual.Split('\t');
        var e = expected.Split('\t');
        if (a.Length != e.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == e[i]) continue;
            if (!e[i].Contains('.') || !a[i].Contains('.')
                || !double.TryParse(a[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double av)
                || !double.TryParse(e[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double ev)
                || Math.Abs(av - ev) > Math.Max(1.000001e-6, 1e-12 * Math.Abs(ev)))
                return false;
        }
        return true;
    }

    /// <summary>Rows rendered as the expected block renders them.</summary>
    public static List<string> Render(IEnumerable<object?[]> rows, bool rowSort)
    {
        // Expected blocks cannot hold trailing blanks, so rendered lines drop them too.
        var lines = rows.Select(r => string.Join("\t", r.Select(Format)).TrimEnd()).ToList();
        if (rowSort) lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>Runs every record of <paramref name="file"/> in a fresh session under <paramref name="path"/>. Under a
    /// forced path, a query with an operator that path lacks is counted as unsupported, not failed.</summary>
    public static SqlLogicResult Run(string file, string path)
    {
        var session = AccelSession.Builder().AppName("sqllogictest").Create();
        int passed = 0;
        var unsupported = new List<string>();
        var failures = new List<string>();
        foreach (var r in Parse(file))
        {
            // Views are created under the scalar path so that forced paths are only judged on queries.
            session.Conf().Set("accel.path", r.IsQuery ? path : "auto");
            try
            {
                if (r.Load is { } load)
                {
                    foreach (var (name, schema, batches) in SqlLogicData.Tables(load))
                        session.CreateDataFrame(schema, batches).CreateOrReplaceTempView(name);
                    passed++;
                    continue;
                }
                var df = session.Sql(r.Sql);
                if (!r.IsQuery)
                {
                    df.Collect();
                    if (r.ExpectError) failures.Add($"{r.File}:{r.Line}: statement succeeded but an error was expected");
                    else passed++;
                    continue;
                }
                var actual = Render(df.Collect().Select(x => x.Values), r.RowSort);
                if (actual.Count == r.Expected.Count && actual.Zip(r.Expected).All(l => LineMatches(l.First, l.Second))) passed++;
                else
                {
                    int at = Enumerable.Range(0, Math.Max(actual.Count, r.Expected.Count)).First(k => k >= actual.Count || k >= r.Expected.Count || !LineMatches(actual[k], r.Expected[k]));
                    failures.Add($"{r.File}:{r.Line}: row {at + 1}: expected '{(at < r.Expected.Count ? r.Expected[at] : "<no row>")}', got '{(at < actual.Count ? actual[at] : "<no row>")}'");
                }
            }
            catch (AccelException ex) when (r.ExpectError) { passed++; _ = ex; }
            catch (AccelException ex) when (path != "auto" && ex.Message.StartsWith($"accel.path={path}:", StringComparison.Ordinal))
            {
                unsupported.Add($"{r.File}:{r.Line}: {ex.Message}");
            }
            catch (Exception ex)
            {
                failures.Add($"{r.File}:{r.Line}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        return new SqlLogicResult(file, path, passed, unsupported, failures);
    }
}
