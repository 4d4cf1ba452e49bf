namespace TinyGpt.App.Cli;

/// <summary>The process exit codes of <c>tinygpt</c>; scripts and tests rely on them.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Something the user can fix: a bad option, file, checkpoint or prompt. One red line says what.</summary>
    public const int UserError = 1;

    /// <summary>A bug in TinyGpt or its libraries (not the user's fault): the message asks for <c>--verbose</c>.</summary>
    public const int InternalError = 2;

    /// <summary>Interrupted by Ctrl+C (SIGINT), as shells report 128 + 2; training saves a checkpoint first.</summary>
    public const int Interrupted = 130;

    /// <summary>Stopped by SIGTERM, as shells report 128 + 15; training saves a checkpoint first, as for Ctrl+C.</summary>
    public const int Terminated = 143;
}
