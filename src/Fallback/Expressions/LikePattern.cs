using System.Text;

namespace Accel.Expressions;

/// <summary>A SQL LIKE pattern made only of literal text and '%' wildcards, matched on UTF-8 bytes without a
/// regular expression: the first piece is a prefix, the last a suffix, the others found in order between
/// them (leftmost match, which is enough for '%'). Patterns with '_' or escapes are not of this form.</summary>
public sealed class LikePattern
{
    private readonly byte[][] _pieces;
    private readonly bool _anchoredStart, _anchoredEnd;

    private LikePattern(byte[][] pieces, bool anchoredStart, bool anchoredEnd)
    {
        _pieces = pieces;
        _anchoredStart = anchoredStart;
        _anchoredEnd = anchoredEnd;
    }

    /// <summary>The pattern when it has only literal text and '%'; null otherwise.</summary>
    public static LikePattern? TryCreate(string pattern)
    {
        if (pattern.Contains('_') || pattern.Contains('\\')) return null;
        var parts = pattern.Split('%');
        var pieces = parts.Where(p => p.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();
        return new LikePattern(pieces, !pattern.StartsWith('%'), !pattern.EndsWith('%') || pattern.Length == 0);
    }

    /// <summary>Whether the UTF-8 string matches.</summary>
    public bool Matches(ReadOnlySpan<byte> s)
    {
        if (_pieces.Length == 0) return !(_anchoredStart && _anchoredEnd) || s.Length == 0;
        int first = 0, last = _pieces.Length - 1;
        if (_anchoredStart)
        {
            if (!s.StartsWith(_pieces[0])) return false;
            s = s[_pieces[0].Length..];
            first = 1;
        }
        if (_anchoredEnd && last >= first)
        {
            if (!s.EndsWith(_pieces[last])) return false;
            s = s[..^_pieces[last].Length];
            last--;
        }
        else if (_anchoredEnd && _anchoredStart && _pieces.Length == 1) return s.Length == 0;
        for (int k = first; k <= last; k++)
        {
            int at = s.IndexOf(_pieces[k]);
            if (at < 0) return false;
            s = s[(at + _pieces[k].Length)..];
        }
        return true;
    }
}
