namespace Accel;

/// <summary>An error the user can act on: bad input, an unknown column, an unsupported expression, a path that cannot run.</summary>
public class AccelException : Exception
{
    /// <summary>Creates the exception with a message that names what was wrong and what was expected.</summary>
    public AccelException(string message, Exception? inner = null) : base(message, inner) { }
}
