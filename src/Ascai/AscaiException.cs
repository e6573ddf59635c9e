namespace Ascai;

/// <summary>An error caused by the user's input (a file, an option, a model) whose message is fit to show as is.</summary>
public class AscaiException(string message, Exception? inner = null) : Exception(message, inner);
