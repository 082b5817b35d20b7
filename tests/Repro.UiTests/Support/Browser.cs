using Microsoft.Playwright;

namespace Repro.UiTests.Support;

/// <summary>Where Debian's chromium is (apt-get install chromium), or REPRO_CHROMIUM when set; Playwright downloads no browser.</summary>
public static class Chromium
{
    public static string? Path { get; } = Find();

    public static bool OnCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    private static string? Find()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("REPRO_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        return candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));
    }
}

/// <summary>A fact that needs chromium: skipped with a reason where it is missing, except under CI (which installs it).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.Path is null && !Chromium.OnCi)
        {
            Skip = "chromium is not installed (apt-get install chromium)";
        }
    }
}

/// <summary>One headless chromium and one seeded server for every browser test in the collection.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private UiServer? _server;

    public UiServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException(
        Chromium.OnCi ? "chromium is not installed, and CI must install it (apt-get install chromium)." : "chromium is not installed.");

    public async Task InitializeAsync()
    {
        _server = await UiServer.StartAsync();
        if (Chromium.Path is null)
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh page (own storage) that records console errors and uncaught exceptions.</summary>
    public Task<BrowserPage> NewPageAsync() => BrowserPage.OpenAsync(Browser, Server.Url);
}

/// <summary>A page with the errors it logged.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    private BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (Errors)
                {
                    Errors.Add($"console: {message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (Errors)
            {
                Errors.Add("uncaught: " + error);
            }
        };
    }

    public IPage Page { get; }

    public List<string> Errors { get; } = [];

    public static async Task<BrowserPage> OpenAsync(IBrowser browser, string baseUrl)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(15_000);
        return new BrowserPage(context, await context.NewPageAsync());
    }

    /// <summary>Goes to a path and waits until the page's script has run.</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path);
        await Page.WaitForSelectorAsync("body[data-loaded='1']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
    }

    public void AssertNoErrors()
    {
        lock (Errors)
        {
            Assert.True(Errors.Count == 0, "The page logged errors:\n" + string.Join("\n", Errors));
        }
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
