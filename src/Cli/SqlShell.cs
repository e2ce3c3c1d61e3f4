using System.Diagnostics;
using System.Text;
using Accel.Sql;

namespace Accel.Cli;

/// <summary>`accel sql`: with a query, runs it like `accel query`; without one, an interactive prompt like
/// spark-sql. Statements end with ';' and may span lines; SET key=value changes a setting (accel.path, ...);
/// history is kept in ~/.accel_history and recalled with the arrow keys when the input is a terminal.</summary>
public static class SqlShell
{
    private const int HistoryLimit = 500;

    /// <summary>Runs `accel sql`.</summary>
    public static int Run(string[] args)
    {
        var o = QueryCommand.ParseOptions(args);
        var session = QueryCommand.CreateSession(o);
        if (o.Sql is not null)
        {
            QueryCommand.Execute(session, o.Sql, o.Format, o.Analyze, Console.Out);
            return 0;
        }
        bool interactive = !Console.IsInputRedirected;
        var historyFile = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".accel_history");
        var history = interactive && File.Exists(historyFile) ? File.ReadAllLines(historyFile).ToList() : [];
        if (interactive) Console.WriteLine($"accel sql — statements end with ';'. Tables: {string.Join(", ", o.Tables.Select(t => t.Name).DefaultIfEmpty("(none; use --table NAME=PATH)"))}. 'exit;' quits.");
        int failures = 0;
        var statement = new StringBuilder();
        while (true)
        {
            var line = interactive ? ReadLine(statement.Length == 0 ? "accel> " : "     > ", history) : Console.In.ReadLine();
            if (line is null) break;
            if (statement.Length == 0 && line.Trim().Length == 0) continue;
            statement.AppendLine(line);
            var text = statement.ToString().Trim();
            if (!text.EndsWith(';')) continue;
            statement.Clear();
            text = text.TrimEnd(';').Trim();
            if (interactive)
            {
                history.Add(text.ReplaceLineEndings(" "));
                if (history.Count > HistoryLimit) history.RemoveRange(0, history.Count - HistoryLimit);
                TrySaveHistory(historyFile, history);
            }
            if (text.Length == 0) continue;
            if (text.Equals("exit", StringComparison.OrdinalIgnoreCase) || text.Equals("quit", StringComparison.OrdinalIgnoreCase)) break;
            if (!RunStatement(session, text, o)) failures++;
        }
        return interactive || failures == 0 ? 0 : 1;
    }

    // One statement; errors are printed and the shell goes on.
    private static bool RunStatement(AccelSession session, string text, QueryCommand.Options o)
    {
        try
        {
            if (text.StartsWith("SET ", StringComparison.OrdinalIgnoreCase))
            {
                var kv = text[4..].Split('=', 2, StringSplitOptions.TrimEntries);
                if (kv.Length != 2) throw new AccelException("SET expects key=value");
                session.Conf().Set(kv[0], kv[1]);
                Console.WriteLine($"{kv[0]}={kv[1]}");
                return true;
            }
            var sw = Stopwatch.StartNew();
            QueryCommand.Execute(session, text, o.Format, o.Analyze, Console.Out);
            if (o.Format == "table") Console.WriteLine($"Time taken: {sw.Elapsed.TotalSeconds:0.000} seconds");
            return true;
        }
        catch (AccelException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return false;
        }
    }

    private static void TrySaveHistory(string file, List<string> history)
    {
        try { File.WriteAllLines(file, history); }
        catch (IOException) { } // a read-only home directory only loses the history
        catch (UnauthorizedAccessException) { }
    }

    // A minimal line editor: left/right/home/end move, backspace/delete edit, up/down walk the history.
    private static string? ReadLine(string prompt, List<string> history)
    {
        Console.Write(prompt);
        var buffer = new StringBuilder();
        int cursor = 0, index = history.Count;
        void Redraw()
        {
            Console.Write("\r" + prompt + buffer + " \u001b[K");
            Console.Write("\r" + prompt + buffer.ToString(0, cursor));
        }
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return buffer.ToString();
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && buffer.Length == 0:
                    Console.WriteLine();
                    return null;
                case ConsoleKey.Backspace when cursor > 0:
                    buffer.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < buffer.Length:
                    buffer.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0: cursor--; break;
                case ConsoleKey.RightArrow when cursor < buffer.Length: cursor++; break;
                case ConsoleKey.Home: cursor = 0; break;
                case ConsoleKey.End: cursor = buffer.Length; break;
                case ConsoleKey.UpArrow when index > 0:
                case ConsoleKey.DownArrow when index < history.Count:
                    index += key.Key == ConsoleKey.UpArrow ? -1 : 1;
                    buffer.Clear().Append(index < history.Count ? history[index] : "");
                    cursor = buffer.Length;
                    break;
                default:
                    if (key.KeyChar >= ' ') buffer.Insert(cursor++, key.KeyChar);
                    break;
            }
            Redraw();
        }
    }
}
