using System.Text;

namespace Accel.Planner.Sql;

/// <summary>Token kinds of Spark SQL's lexical structure.</summary>
public enum TokenKind { Identifier, QuotedIdentifier, String, Number, Symbol, End }

/// <summary>One token with where it starts (1-based line and column).</summary>
public sealed record Token(TokenKind Kind, string Text, int Line, int Column)
{
    /// <summary>The token as an error message shows it.</summary>
    public string Describe => Kind switch { TokenKind.End => "end of input", TokenKind.String => $"'{Text}'", _ => $"'{Text}'" };

    /// <summary>True when this is the keyword (case-insensitive, unquoted).</summary>
    public bool Is(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when this is the symbol.</summary>
    public bool IsSymbol(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
}

/// <summary>Splits SQL text into tokens (comments skipped; hints /*+ ... */ kept as a symbol token).</summary>
public static class Lexer
{
    private static readonly string[] s_symbols = ["<=>", "<>", "!=", "<=", ">=", "||", "/*+", "*/", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", ";"];

    /// <summary>Tokenizes <paramref name="sql"/>; an unterminated string or unknown character is an error with its position.</summary>
    public static List<Token> Tokenize(string sql)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, col = 1;
        void Advance(int n)
        {
            for (int k = 0; k < n; k++)
            {
                if (sql[i] == '\n') { line++; col = 1; } else col++;
                i++;
            }
        }
        while (i < sql.Length)
        {
            char c = sql[i];
            if (char.IsWhiteSpace(c)) { Advance(1); continue; }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-') { while (i < sql.Length && sql[i] != '\n') Advance(1); continue; }
            if (c == '/' && i + 2 < sql.Length && sql[i + 1] == '*' && sql[i + 2] != '+')
            {
                int end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (end < 0) throw new AccelException($"line {line}, column {col}: unterminated comment");
                Advance(end + 2 - i);
                continue;
            }
            int startLine = line, startCol = col;
            if (char.IsLetter(c) || c == '_')
            {
                int s = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_')) Advance(1);
                tokens.Add(new Token(TokenKind.Identifier, sql[s..i], startLine, startCol));
                continue;
            }
            if (char.IsDigit(c) || (c == '.' && i + 1 < sql.Length && char.IsDigit(sql[i + 1])))
            {
                int s = i;
                while (i < sql.Length && (char.IsDigit(sql[i]) || sql[i] == '.')) Advance(1);
                if (i < sql.Length && (sql[i] == 'e' || sql[i] == 'E') && i + 1 < sql.Length && (char.IsDigit(sql[i + 1]) || sql[i + 1] is '-' or '+'))
                {
                    Advance(2);
                    while (i < sql.Length && char.IsDigit(sql[i])) Advance(1);
                }
                // Spark's numeric suffixes: 1L (bigint), 1D (double), 1BD (decimal).
                if (i < sql.Length && sql[i] is 'L' or 'l' or 'D' or 'd' && (i + 1 == sql.Length || !char.IsLetterOrDigit(sql[i + 1]))) Advance(1);
                else if (i + 1 < sql.Length && (sql[i] is 'B' or 'b') && (sql[i + 1] is 'D' or 'd')) Advance(2);
                tokens.Add(new Token(TokenKind.Number, sql[s..i], startLine, startCol));
                continue;
            }
            if (c == '\'' || c == '"' || c == '`')
            {
                var sb = new StringBuilder();
                Advance(1);
                while (true)
                {
                    if (i >= sql.Length) throw new AccelException($"line {startLine}, column {startCol}: unterminated {(c == '`' ? "quoted identifier" : "string literal")}");
                    if (sql[i] == c)
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == c) { sb.Append(c); Advance(2); continue; }
                        Advance(1);
                        break;
                    }
                    if (sql[i] == '\\' && c != '`' && i + 1 < sql.Length)
                    {
                        char e = sql[i + 1];
                        sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
                        Advance(2);
                        continue;
                    }
                    sb.Append(sql[i]);
                    Advance(1);
                }
                tokens.Add(new Token(c == '`' ? TokenKind.QuotedIdentifier : TokenKind.String, sb.ToString(), startLine, startCol));
                continue;
            }
            var sym = s_symbols.FirstOrDefault(x => string.CompareOrdinal(sql, i, x, 0, x.Length) == 0);
            if (sym is null) throw new AccelException($"line {line}, column {col}: unexpected character '{c}'");
            Advance(sym.Length);
            tokens.Add(new Token(TokenKind.Symbol, sym, startLine, startCol));
        }
        tokens.Add(new Token(TokenKind.End, "", line, col));
        return tokens;
    }
}
