using Xunit;
namespace Captive.Guest.Arm.Tests.Loading;

/// <summary>Locates files of the source tree (the guests folder) from the test's output directory.</summary>
internal static class RepositoryPaths
{
    public static string Guests { get; } = FindGuests();

    public static string Prebuilt => Path.Combine(Guests, "prebuilt");

    private static string FindGuests()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "guests", "build.sh");
            if (File.Exists(candidate))
                return Path.GetDirectoryName(candidate)!;
        }
        throw new DirectoryNotFoundException($"No guests/build.sh above {AppContext.BaseDirectory}.");
    }
}
