using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Repro.UiTests.Support;
using static Microsoft.Playwright.Assertions;

namespace Repro.UiTests;

/// <summary>The pages in a real browser (headless chromium) against a real, seeded server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageTests(BrowserFixture fixture)
{
    private SeededRuns Runs => fixture.Server.Runs;

    private const int AllRuns = 11;

    [BrowserFact]
    public async Task The_runs_table_lists_every_run_with_status_and_verdict_badges()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/");

        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(AllRuns);
        await Expect(tab.Page.Locator($"tr[data-run='{Runs.Identical}'] .verdict-identical")).ToHaveTextAsync("IDENTICAL");
        await Expect(tab.Page.Locator($"tr[data-run='{Runs.Diverged}'] .verdict-diverged")).ToHaveTextAsync("DIVERGED");
        await Expect(tab.Page.Locator($"tr[data-run='{Runs.Failed}'] .status-failed")).ToHaveTextAsync("FAILED");
        await Expect(tab.Page.Locator($"tr[data-run='{Runs.Dirty}'] .status-finished")).ToHaveTextAsync("FINISHED");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Filtering_the_runs_table_narrows_it()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/");
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(AllRuns);

        await tab.Page.FillAsync("input.filter", "params.lr = '0.01' and metrics.acc > 0.805");
        await tab.Page.PressAsync("input.filter", "Enter");

        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(2);
        Assert.Contains("filter=", tab.Page.Url, StringComparison.Ordinal);
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task A_bad_filter_shows_the_servers_message_and_points_at_the_position()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?filter=" + Uri.EscapeDataString("params.lr = 0.1"));

        var error = tab.Page.Locator(".filter-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("position");
        await Expect(error.Locator(".caret")).ToContainTextAsync("^");
        await Expect(tab.Page.Locator("input.filter")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("invalid"));
    }

    [BrowserFact]
    public async Task Clicking_a_column_sorts_by_it_on_the_server_and_again_reverses()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?filter=" + Uri.EscapeDataString("metrics.acc > 0"));
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(6);

        await tab.Page.ClickAsync("th[data-order='metrics.acc']");
        await Expect(tab.Page.Locator("th[data-order='metrics.acc']")).ToHaveAttributeAsync("aria-sort", "descending");
        var descending = await Column(tab.Page, "metrics.acc");

        await tab.Page.ClickAsync("th[data-order='metrics.acc']");
        await Expect(tab.Page.Locator("th[data-order='metrics.acc']")).ToHaveAttributeAsync("aria-sort", "ascending");
        var ascending = await Column(tab.Page, "metrics.acc");

        Assert.Equal(6, descending.Count);
        Assert.Equal(descending.OrderDescending().ToList(), descending);
        Assert.Equal(ascending.Order().ToList(), ascending);
        Assert.Equal(0.94, descending[0], 6);
        Assert.Contains("order_by=metrics.acc", Uri.UnescapeDataString(tab.Page.Url), StringComparison.Ordinal);
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Grouping_by_a_param_shows_mean_and_std_of_each_metric_per_group()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?filter=" + Uri.EscapeDataString("metrics.acc > 0"));
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(6);

        await tab.Page.ClickAsync("details.group summary");
        await tab.Page.CheckAsync("input[name='group.lr']");

        var low = tab.Page.Locator("tr.group[data-group='lr=0.01']");
        var high = tab.Page.Locator("tr.group[data-group='lr=0.1']");
        await Expect(low).ToBeVisibleAsync();
        await Expect(tab.Page.Locator("tr.group")).ToHaveCountAsync(2);
        await Expect(low.Locator("td[data-col='metrics.acc']")).ToHaveTextAsync("0.81 ± 0.01");
        await Expect(high.Locator("td[data-col='metrics.acc']")).ToHaveTextAsync("0.92 ± 0.02");
        await Expect(low).ToContainTextAsync("3 runs");
        Assert.Contains("group=lr", tab.Page.Url, StringComparison.Ordinal);
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Chosen_columns_are_remembered_across_visits()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/");
        await Expect(tab.Page.Locator("th[data-order='metrics.loss']")).ToHaveCountAsync(1);

        await tab.Page.ClickAsync("details.columns summary");
        await tab.Page.UncheckAsync("input[name='metrics.loss']");
        await tab.Page.CheckAsync("input[name='tags.team']");
        await Expect(tab.Page.Locator("th[data-order='metrics.loss']")).ToHaveCountAsync(0);

        await tab.GotoAsync("/");
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(AllRuns);
        await Expect(tab.Page.Locator("th[data-order='metrics.loss']")).ToHaveCountAsync(0);
        await Expect(tab.Page.Locator("th[data-order='tags.team']")).ToHaveCountAsync(1);
        await Expect(tab.Page.Locator($"tr[data-run='{Runs.Dirty}'] td[data-col='tags.team']")).ToHaveTextAsync("vision");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Selected_runs_open_in_the_chart_and_it_draws_their_points()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?filter=" + Uri.EscapeDataString("params.lr = '0.01'"));
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(3);
        foreach (var id in Runs.LowLr)
        {
            await tab.Page.CheckAsync($"tr[data-run='{id}'] input[name='select']");
        }

        await tab.Page.ClickAsync("text=Chart selected");
        await tab.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chart\\?"));
        await tab.Page.WaitForSelectorAsync(".chart.big[data-ready='1']");

        var drawn = await Chart(tab.Page);
        Assert.Equal(3, drawn.Lines);
        Assert.Equal(300, drawn.Points);
        Assert.True(await InkedPixels(tab.Page, ".chart.big") > 500, "The chart's canvas is blank.");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task A_long_history_is_drawn_downsampled_with_its_spike()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync($"/chart?runs={Runs.Long}&key=loss");
        await tab.Page.WaitForSelectorAsync(".chart.big[data-ready='1']");

        var drawn = await Chart(tab.Page);
        Assert.InRange(drawn.Points, 1000, 3000);
        Assert.Contains(Seed.Spike, drawn.Values);
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Seed_groups_are_drawn_as_a_mean_with_a_std_band()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync($"/chart?runs={string.Join(',', Runs.Sweep)}&key=acc&bands=1");
        await tab.Page.WaitForSelectorAsync(".chart.big[data-ready='1']");

        var info = await tab.Page.EvaluateAsync<JsonElement>(
            "() => { const p = window.reproCharts.at(-1).plot; return { labels: p.series.map(s => s.label), bands: (p.bands || []).length }; }");
        var labels = info.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Equal(2, info.GetProperty("bands").GetInt32());
        Assert.Contains(labels, l => l.Contains("lr=0.1", StringComparison.Ordinal) && l.Contains("(n=3) mean", StringComparison.Ordinal));
        Assert.Contains(labels, l => l.Contains("lr=0.01", StringComparison.Ordinal) && l.Contains("(n=3) mean", StringComparison.Ordinal));
        Assert.DoesNotContain(labels, l => l.Contains("seed=", StringComparison.Ordinal));
        Assert.True(await InkedPixels(tab.Page, ".chart.big") > 500, "The chart's canvas is blank.");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task The_run_page_shows_params_with_provenance_code_and_the_diff()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync($"/runs/{Runs.Dirty}");

        var lr = tab.Page.Locator("table.params tr", new PageLocatorOptions { HasText = "lr" });
        await Expect(lr).ToContainTextAsync("0.2");
        await Expect(lr.Locator(".source")).ToHaveTextAsync("file");
        await Expect(tab.Page.Locator("table.params tr", new PageLocatorOptions { HasText = "optimizer" }).Locator(".source")).ToHaveTextAsync("default");
        await Expect(tab.Page.Locator(".badge.dirty")).ToHaveTextAsync("DIRTY");
        await Expect(tab.Page.Locator("dt:text-is('exit code') + dd")).ToHaveTextAsync("0");    // a zero is shown, not dropped
        await Expect(tab.Page.Locator("text=0123456789abcdef0123456789abcdef01234567")).ToBeVisibleAsync();
        await Expect(tab.Page.Locator("pre.diff .add")).ToContainTextAsync("+lr = 0.2");
        await Expect(tab.Page.Locator("pre.diff .del")).ToContainTextAsync("-lr = 0.1");
        await Expect(tab.Page.Locator("table.ledger")).ToContainTextAsync("shuffle");
        await Expect(tab.Page.Locator("table.inputs")).ToContainTextAsync("data/train");
        await tab.Page.WaitForSelectorAsync(".chart[data-key='loss'][data-ready='1']");
        await Expect(tab.Page.Locator("pre.log")).ToContainTextAsync("epoch 2 loss 0.25");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Artifacts_on_the_run_page_download()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync($"/runs/{Runs.Dirty}");
        var link = tab.Page.Locator("a.artifact");
        await Expect(link).ToHaveTextAsync("models/final.txt");

        var download = await tab.Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());

        Assert.Equal("final.txt", download.SuggestedFilename);
        var path = await download.PathAsync();
        Assert.Equal(Seed.Model, await File.ReadAllTextAsync(path));
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task The_runs_table_pages_forward_and_back()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?page_size=4");
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(4);
        var first = await tab.Page.Locator("tr.run").First.GetAttributeAsync("data-run");

        await tab.Page.ClickAsync("text=Next →");
        await Expect(tab.Page.Locator(".page-label")).ToHaveTextAsync("page 2");
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(4);
        Assert.NotEqual(first, await tab.Page.Locator("tr.run").First.GetAttributeAsync("data-run"));
        await tab.Page.ClickAsync("text=Next →");
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(AllRuns - 8);
        await Expect(tab.Page.Locator("text=Next →")).ToBeDisabledAsync();

        await tab.Page.ClickAsync("text=← Previous");
        await tab.Page.ClickAsync("text=← Previous");
        await Expect(tab.Page.Locator(".page-label")).ToHaveTextAsync("page 1");
        await Expect(tab.Page.Locator("tr.run").First).ToHaveAttributeAsync("data-run", first!);
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Two_selected_runs_open_the_compare_page_with_their_differences()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?filter=" + Uri.EscapeDataString("metrics.acc > 0"));
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(6);
        await tab.Page.CheckAsync($"tr[data-run='{Runs.Sweep[0]}'] input[name='select']");
        await tab.Page.CheckAsync($"tr[data-run='{Runs.Sweep[3]}'] input[name='select']");

        await tab.Page.ClickAsync("button:text-is('Compare')");
        await tab.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/compare\\?"));

        var lr = tab.Page.Locator("table.differences tr", new PageLocatorOptions { HasText = "lr" });
        await Expect(lr).ToContainTextAsync("0.1");
        await Expect(lr).ToContainTextAsync("0.01");
        await Expect(tab.Page.Locator("table.results")).ToContainTextAsync("acc");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task The_compare_page_compares_two_groups_across_seeds()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync($"/compare?a={string.Join(',', Runs.HighLr)}&b={string.Join(',', Runs.LowLr)}&metric=acc");

        await Expect(tab.Page.Locator(".sentence")).ToBeVisibleAsync();
        var rows = tab.Page.Locator("table.groups tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("0.92");
        await Expect(rows.Nth(1)).ToContainTextAsync("0.81");
        await Expect(tab.Page.Locator(".sentence .badge")).ToHaveTextAsync("HOLDS");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task Two_groups_picked_in_the_runs_table_are_compared_under_their_labels()
    {
        await using var tab = await fixture.NewPageAsync();
        await tab.GotoAsync("/?group=lr&filter=" + Uri.EscapeDataString("metrics.acc > 0"));
        await Expect(tab.Page.Locator("tr.group")).ToHaveCountAsync(2);
        await tab.Page.CheckAsync("tr.group[data-group='lr=0.1'] input[name='select-group']");
        await tab.Page.CheckAsync("tr.group[data-group='lr=0.01'] input[name='select-group']");

        await tab.Page.ClickAsync("button:text-is('Compare groups')");
        await tab.Page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/compare\\?"));

        await Expect(tab.Page.Locator(".sentence")).ToContainTextAsync("lr=0.1 is better than lr=0.01");
        await Expect(tab.Page.Locator("table.groups tbody tr").Nth(0)).ToContainTextAsync("lr=0.1");
        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task With_protected_reads_the_page_asks_for_the_token_before_its_first_call_and_sends_it()
    {
        await using var server = await UiServer.StartAsync(token: "s3cret", protectReads: true);
        await using var tab = await BrowserPage.OpenAsync(fixture.Browser, server.Url);
        var unauthorized = new List<string>();
        tab.Page.Response += (_, response) =>
        {
            if (response.Status == 401)
            {
                lock (unauthorized)
                {
                    unauthorized.Add(response.Url);
                }
            }
        };
        await tab.Page.GotoAsync("/");

        await Expect(tab.Page.Locator("#token-dialog")).ToBeVisibleAsync();
        await tab.Page.FillAsync("#token-input", "wrong");
        await tab.Page.ClickAsync("#token-dialog button[type='submit']");
        await Expect(tab.Page.Locator("#token-error")).ToContainTextAsync("not accepted");
        await tab.Page.FillAsync("#token-input", "s3cret");
        await tab.Page.ClickAsync("#token-dialog button[type='submit']");
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(AllRuns);

        await tab.Page.GotoAsync($"/runs/{server.Runs.Dirty}");
        await Expect(tab.Page.Locator("pre.diff .add")).ToContainTextAsync("+lr = 0.2");
        await Expect(tab.Page.Locator("#token-dialog")).Not.ToBeVisibleAsync();
        Assert.Equal("s3cret", await tab.Page.EvaluateAsync<string>("() => localStorage.getItem('repro.token')"));

        // A link cannot send the header: the download goes through fetch with the token.
        var download = await tab.Page.RunAndWaitForDownloadAsync(() => tab.Page.Locator("a.artifact").ClickAsync());
        Assert.Equal(Seed.Model, await File.ReadAllTextAsync(await download.PathAsync()));
        lock (unauthorized)
        {
            Assert.True(unauthorized.Count == 0, "Requests answered 401:\n" + string.Join("\n", unauthorized));
        }

        tab.AssertNoErrors();
    }

    [BrowserFact]
    public async Task The_group_view_shows_the_servers_figures_over_more_runs_than_it_lists()
    {
        await using var server = await UiServer.StartAsync(seed: Seed.Many);
        var experiments = JsonDocument.Parse(await server.Client.GetStringAsync(new Uri("api/v1/experiments", UriKind.Relative))).RootElement;
        var many = experiments.GetProperty("experiments").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == Seed.ManyExperiment).GetProperty("id").GetString();
        await using var tab = await BrowserPage.OpenAsync(fixture.Browser, server.Url);
        await tab.GotoAsync($"/?group=lr&experiment_id={many}");

        await Expect(tab.Page.Locator("tr.group")).ToHaveCountAsync(3);
        // One page of runs is listed; the figures cover all of them.
        await Expect(tab.Page.Locator("tr.run")).ToHaveCountAsync(1000);
        await Expect(tab.Page.Locator(".count")).ToContainTextAsync($"{Seed.ManyCount} runs in 3 groups");
        Assert.Equal(["lr=0.001", "lr=0.01", "lr=0.1"], await tab.Page.Locator("tr.group").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.group)"));
        foreach (var lr in (string[])["0.001", "0.01", "0.1"])
        {
            var row = tab.Page.Locator($"tr.group[data-group='lr={lr}']");
            var runs = Seed.ManyRuns.Where(r => r.Lr == lr).ToList();
            await Expect(row).ToContainTextAsync($"{runs.Count} runs");
            var acc = runs.Select(r => r.Acc).Where(v => !double.IsNaN(v)).ToList();
            var mean = acc.Average();
            var std = Math.Sqrt(acc.Sum(v => (v - mean) * (v - mean)) / (acc.Count - 1));
            var cell = row.Locator("td[data-col='metrics.acc']");
            Assert.Equal(acc.Count.ToString(CultureInfo.InvariantCulture), await cell.GetAttributeAsync("data-n"));
            Assert.Equal(mean, double.Parse((await cell.GetAttributeAsync("data-mean"))!, CultureInfo.InvariantCulture), 12);
            Assert.Equal(std, double.Parse((await cell.GetAttributeAsync("data-std"))!, CultureInfo.InvariantCulture), 12);
            await Expect(cell).ToContainTextAsync(" ± ");
            var loss = row.Locator("td[data-col='metrics.loss']");
            Assert.Equal(runs.Count(r => r.Loss is not null).ToString(CultureInfo.InvariantCulture), await loss.GetAttributeAsync("data-n"));
        }

        tab.AssertNoErrors();
    }

    private static async Task<List<double>> Column(IPage page, string column)
    {
        var texts = await page.Locator($"tr.run td[data-col='{column}']").AllInnerTextsAsync();
        return [.. texts.Where(t => t.Length > 0).Select(t => double.Parse(t, CultureInfo.InvariantCulture))];
    }

    private sealed record Drawn(int Lines, int Points, List<double> Values);

    /// <summary>What the last uPlot chart on the page holds: its series (x excluded) and their non-null points.</summary>
    private static async Task<Drawn> Chart(IPage page)
    {
        var data = await page.EvaluateAsync<JsonElement>(
            "() => { const p = window.reproCharts.at(-1).plot; return p.data.slice(1).map(col => col.filter(v => v !== null && v !== undefined)); }");
        var columns = data.EnumerateArray().Select(c => c.EnumerateArray().Select(v => v.GetDouble()).ToList()).ToList();
        return new Drawn(columns.Count, columns.Sum(c => c.Count), [.. columns.SelectMany(c => c)]);
    }

    /// <summary>How many pixels of the chart's canvas are painted (not transparent).</summary>
    private static Task<int> InkedPixels(IPage page, string selector) =>
        page.EvaluateAsync<int>(
            """
            (sel) => {
              const canvas = document.querySelector(sel + ' canvas');
              const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let inked = 0;
              for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) inked++;
              return inked;
            }
            """, selector);
}
