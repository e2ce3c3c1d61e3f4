using System.Text;
using System.Text.RegularExpressions;

namespace Accel.Expressions;

/// <summary>Matches UTF-8 rows against LIKE or rlike patterns, compiling each distinct pattern once: a LIKE of text and
/// '%' and an rlike of plain text match on the bytes; every other pattern through a regular expression over the row's
/// text, decoded into one reused buffer. Both paths evaluate LIKE and rlike through it.</summary>
public sealed class PatternMatcher(bool like)
{
    private readonly Dictionary<string, Compiled> _compiled = [];
    private string? _lastPattern;
    private Compiled _last;
    private char[] _buffer = new char[256];

    // One of the three forms a pattern takes.
    private readonly record struct Compiled(LikePattern? Plain, byte[]? Literal, Regex? Regex);

    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> (LIKE anchors at both ends; rlike
    /// finds a match anywhere).</summary>
    public bool Matches(ReadOnlySpan<byte> text, string pattern)
    {
        if (!ReferenceEquals(pattern, _lastPattern))
        {
            if (!_compiled.TryGetValue(pattern, out _last)) _compiled[pattern] = _last = Compile(pattern);
            _lastPattern = pattern;
        }
        if (_last.Plain is { } plain) return plain.Matches(text);
        if (_last.Literal is { } literal) return text.IndexOf(literal) >= 0;
        if (text.Length > _buffer.Length) _buffer = new char[Math.Max(text.Length, 2 * _buffer.Length)];
        int chars = Encoding.UTF8.GetChars(text, _buffer);
        return _last.Regex!.IsMatch(_buffer.AsSpan(0, chars));
    }

    private Compiled Compile(string pattern)
    {
        if (like) return LikePattern.TryCreate(pattern) is { } plain ? new(plain, null, null) : new(null, null, FunctionCatalog.LikeToRegex(pattern));
        // Bytes of plain text occur in a row exactly where its decoded text holds the pattern (UTF-8 resynchronizes at
        // every lead byte), unless the pattern itself has U+FFFD, which an invalid byte decodes to.
        return FunctionCatalog.IsLiteralRegex(pattern) && !pattern.Contains('\uFFFD')
            ? new(null, Encoding.UTF8.GetBytes(pattern), null)
            : new(null, null, FunctionCatalog.CompileRegex(pattern));
    }
}
