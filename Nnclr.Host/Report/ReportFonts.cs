using ScottPlot;

namespace Nnclr.Host.Report;

/// <summary>
/// Gives ScottPlot a font that renders. SkiaSharp's NoDependencies native library has no fontconfig, so the system's
/// default typeface can be empty and every label blank; a DejaVu/Liberation file found on the machine is registered instead.
/// </summary>
internal static class ReportFonts
{
    // TrueType files tried in order (Debian/Ubuntu's fonts-dejavu-core, then Liberation).
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ];

    // Set once a font was chosen (or none was found).
    private static int _done;

    public static void EnsureUsable()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        if (Candidates.FirstOrDefault(File.Exists) is not { } file) return;
        Fonts.AddFontFile("nnclr-sans", file);
        Fonts.Default = "nnclr-sans";
    }
}
