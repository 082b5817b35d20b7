using System.Collections;
using System.Diagnostics;
using System.Globalization;
using Repro.Capture.Data;
using Repro.Core.Errors;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Core.Randomness;
using Repro.Sdk.Checkpoints;
using Repro.Sdk.Logging;
using Repro.Sdk.Params;
using Repro.Sdk.Sinks;

namespace Repro.Sdk;

/// <summary>
/// The run a training program reports to. Inside <c>repro run -- CMD</c> it attaches to the run that <c>repro</c>
/// started (REPRO_RUN_ID, REPRO_SEED, REPRO_PARAMS, REPRO_EVENTS) and appends events to its events file; otherwise it
/// starts a run in-process.
/// </summary>
/// <remarks>
/// <para>
/// Logging never blocks on I/O and never throws into the training loop: <see cref="Log"/>, <see cref="Tag"/> and
/// <see cref="Artifact"/> queue the event and return; a background thread writes queued events every 100 ms, or
/// sooner when 4096 are waiting. Invalid events (an empty key, a negative step) are dropped, counted and reported
/// once on stderr. If recording cannot keep up, a caller waits up to one second for room, after which events are
/// dropped and counted until the backlog halves; lost events are reported on stderr when the run ends. All members
/// are thread-safe.
/// </para>
/// <para>
/// Parameters are read once, at startup, with <see cref="Param{T}"/>: a value that does not parse is an error there,
/// not a silent fallback to the default.
/// </para>
/// <para>
/// Dispose the run when training ends (<c>using var run = Run.Current;</c>) so every event is written. A run that is
/// not disposed is flushed when the process exits normally, and completed as failed on an unhandled exception.
/// </para>
/// </remarks>
public sealed class Run : IDisposable
{
    internal const string RunIdVariable = "REPRO_RUN_ID";
    internal const string SeedVariable = "REPRO_SEED";
    internal const string ParamsVariable = "REPRO_PARAMS";
    internal const string EventsVariable = "REPRO_EVENTS";
    internal const string DeterministicVariable = "REPRO_DETERMINISTIC";
    internal const string ThreadsVariable = "REPRO_THREADS";
    internal const string ResumeVariable = "REPRO_RESUME_CHECKPOINT";
    internal const string ResumeShaVariable = "REPRO_RESUME_CHECKPOINT_SHA256";

    /// <summary>The tag that records a seed the SDK had to draw itself because <c>repro run</c> gave none.</summary>
    internal const string DrawnSeedTag = "repro.sdk_drawn_seed";

    private static readonly TimeSpan EndTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lock CurrentLock = new();
    private static Run? _current;

    private readonly EventPipeline _pipeline;
    private readonly ParamOverrides _overrides;
    private readonly SdkWarnings _warnings;
    private readonly RandomStreams _streams;
    private readonly RunContext _context;
    private Checkpoint? _resumed;
    private bool _resumeLoaded;
    private readonly long _clockStartMs;
    private readonly long _clockStartTicks;
    private readonly double _ticksPerMs;
    private long _invalidDropped;
    private long _lateDropped;
    private int _ended;
    private bool _hooked;

    internal Run(RunContext context, IRunSink sink, SdkWarnings warnings, int queueCapacity = EventPipeline.DefaultCapacity)
    {
        Id = context.Id;
        Seed = context.Seed;
        IsAttached = context.IsAttached;
        Deterministic = context.Deterministic;
        Threads = context.Threads;
        _overrides = context.Overrides;
        _warnings = warnings;
        _context = context;
        _streams = new RandomStreams(context.Seed);
        _clockStartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _clockStartTicks = Stopwatch.GetTimestamp();
        _ticksPerMs = Stopwatch.Frequency / 1000.0;
        _pipeline = new EventPipeline(sink, warnings, queueCapacity);
    }

    /// <summary>
    /// The run of this process: the one started with <see cref="Start"/>, else one created on first use: attached to
    /// the surrounding <c>repro run</c> when REPRO_RUN_ID and REPRO_EVENTS are set, started in-process otherwise.
    /// </summary>
    /// <exception cref="ReproException">A REPRO_* variable set by <c>repro run</c> is malformed.</exception>
    public static Run Current
    {
        get
        {
            lock (CurrentLock)
            {
                return _current ??= Hook(Create(new RunOptions(), ReadProcessEnvironment(), SdkWarnings.StandardError, StandaloneFactory));
            }
        }
    }

    /// <summary>The run's id: 32 lowercase hex characters, the same id <c>repro ls</c> shows.</summary>
    public RunId Id { get; }

    /// <summary>The master seed (0 to 4294967295): REPRO_SEED inside <c>repro run</c>, else the one chosen in-process.</summary>
    public long Seed { get; }

    /// <summary>True when the run reports to a surrounding <c>repro run</c>.</summary>
    public bool IsAttached { get; }

    /// <summary>True when deterministic execution was asked for (REPRO_DETERMINISTIC=1).</summary>
    public bool Deterministic { get; }

    /// <summary>How many threads the training maths should use: REPRO_THREADS, else the number of logical processors.</summary>
    public int Threads { get; }

    /// <summary>Events dropped because they were invalid (an empty or too long key, a negative step, a null value).</summary>
    internal long InvalidDropped => Interlocked.Read(ref _invalidDropped);

    /// <summary>Events dropped because they arrived after the run ended.</summary>
    internal long LateDropped => Interlocked.Read(ref _lateDropped);

    internal EventPipeline Pipeline => _pipeline;

    internal bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>
    /// Builds the recorder of a run started in-process: by default it records into the nearest workspace. Null: such runs
    /// keep their events in memory and say on stderr that nothing is recorded.
    /// </summary>
    internal static Func<RunStartInfo, StandaloneRun>? StandaloneFactory { get; set; } = StoreSink.Start;

    /// <summary>
    /// Starts the run of this process with explicit options and makes it <see cref="Current"/>. Inside
    /// <c>repro run</c> it attaches to that run.
    /// </summary>
    /// <exception cref="InvalidOperationException">A run of this process is active; dispose it first.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="RunOptions.Seed"/> is outside 0..4294967295.</exception>
    /// <exception cref="ReproException">A REPRO_* variable set by <c>repro run</c> is malformed.</exception>
    public static Run Start(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (CurrentLock)
        {
            if (_current is { IsEnded: false })
            {
                throw new InvalidOperationException(
                    $"Run {_current.Id.Short} is still active in this process. Dispose it before starting another run.");
            }

            _current = Hook(Create(options, ReadProcessEnvironment(), SdkWarnings.StandardError, StandaloneFactory));
            return _current;
        }
    }

    /// <summary>
    /// Reads a parameter: the value given from outside the code (the <c>repro run</c> command line, else the environment
    /// variable REPRO_PARAM_&lt;KEY&gt;, e.g. REPRO_PARAM_LR for <c>lr</c>), else <paramref name="defaultValue"/>.
    /// Records the value used and where it came from (cli, env or default).
    /// </summary>
    /// <typeparam name="T">int, long, double, float, bool, string or an enum.</typeparam>
    /// <param name="key">The parameter's name, 1 to 250 characters.</param>
    /// <param name="defaultValue">The value in code; not null.</param>
    /// <returns>The value to use.</returns>
    /// <exception cref="ReproException">The given value does not parse as <typeparamref name="T"/> (invariant culture).</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the supported types.</exception>
    public T Param<T>(string key, T defaultValue)
    {
        if (!IsValidKey(key))
        {
            throw new ArgumentException(
                $"A parameter key must have 1 to {ProtocolParser.MaxKeyLength} characters; got {Describe(key)}.", nameof(key));
        }

        ArgumentNullException.ThrowIfNull(defaultValue);
        if (!ParamText.IsSupported(typeof(T)))
        {
            throw new NotSupportedException(
                $"Run.Param does not support {typeof(T).Name}: use int, long, double, float, bool, string or an enum.");
        }

        var given = _overrides.Find(key);
        var value = given is { } g ? ParamText.Parse<T>(key, g) : defaultValue;
        Enqueue(new PendingEvent(PendingKind.Param, key, 0, -1, 0, ParamText.Format(value), given?.Source ?? ParamSource.Default));
        return value;
    }

    /// <summary>
    /// Records a metric point. Costs well under a microsecond and allocates nothing: the point is queued and written by
    /// a background thread.
    /// Never throws: an invalid key or a negative step drops the point (counted, one warning on stderr).
    /// </summary>
    /// <param name="key">The metric's name, 1 to 250 characters, e.g. <c>train_loss</c>.</param>
    /// <param name="value">The value; NaN and infinities are recorded as such.</param>
    /// <param name="step">The step (epoch, iteration) the value belongs to; null means one after this key's previous step.</param>
    public void Log(string key, double value, long? step = null)
    {
        if ((uint)((key?.Length ?? 0) - 1) >= ProtocolParser.MaxKeyLength || step < 0)
        {
            Reject("metric", key, step < 0 ? $"step {step} is negative" : null);
            return;
        }

        Enqueue(PendingEvent.Metric(key!, value, step ?? -1, NowMs()));
    }

    /// <summary>Sets a tag on the run (a later value for the same key replaces it). Never throws.</summary>
    public void Tag(string key, string value)
    {
        if (!IsValidKey(key) || value is null || value.Length > ProtocolParser.MaxValueLength)
        {
            Reject("tag", key, value is null ? "the value is null" : IsValidKey(key) ? "the value is longer than 64 KiB" : null);
            return;
        }

        Enqueue(new PendingEvent(PendingKind.Tag, key, 0, -1, 0, value, default));
    }

    /// <summary>
    /// Records a file the run produced; <c>repro</c> stores a copy when the run ends. Never throws.
    /// </summary>
    /// <param name="path">The file, relative to the working directory or absolute.</param>
    /// <param name="name">An optional display name.</param>
    public void Artifact(string path, string? name = null)
    {
        if (string.IsNullOrEmpty(path))
        {
            Reject("artifact", "", "the path is empty");
            return;
        }

        Enqueue(new PendingEvent(PendingKind.Artifact, path, 0, -1, 0, name, default));
    }

    /// <summary>
    /// The named random stream <paramref name="name"/> ("init", "shuffle", "dropout", ...), derived from the run's master
    /// seed and the name (see docs/randomness.md). Adding or removing one stream never shifts another's numbers; the seed
    /// ledger (which streams were used, how many draws each) is recorded with the run.
    /// </summary>
    public RandomStream Random(string name) => _streams.Get(name);

    /// <summary>
    /// Fingerprints a data input (a file or directory) now, before training reads it: every file's size and sha256 and
    /// their Merkle root, recorded with the run (see docs/data.md). Unchanged files are not re-read when the workspace's
    /// stat cache knows them. Blocks until the input is recorded. Throws when the path does not exist or files cannot be
    /// read, like <c>repro run --data</c>.
    /// </summary>
    public DataFingerprint Input(string path, bool skipUnreadable = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var home = Environment.GetEnvironmentVariable("REPRO_HOME");
        var cache = home is null ? null : Path.Combine(home, ".repro", "cache");
        var fingerprint = DataFingerprinter.Fingerprint(path, new FingerprintOptions
        {
            CacheDirectory = cache is not null && Directory.Exists(Path.GetDirectoryName(cache)) ? cache : null,
            ExcludedDirectories = home is null ? [] : [Path.Combine(home, ".repro")],
            SkipUnreadable = skipUnreadable,
        });
        Directory.CreateDirectory(_context.CheckpointDirectory);
        var manifestPath = Path.Combine(_context.CheckpointDirectory, $"input-{fingerprint.Root[..16]}.manifest");
        using (var file = new FileStream(manifestPath, FileMode.Create, FileAccess.Write))
        {
            fingerprint.Manifest.WriteTo(file);
        }

        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        var recorded = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
        foreach (var warning in fingerprint.Warnings)
        {
            _warnings.Warn($"data {recorded}: {warning}");
        }

        Enqueue(new PendingEvent(PendingKind.Input, recorded, 0, -1, 0, manifestPath, default));
        Flush();
        return fingerprint;
    }

    /// <summary>
    /// Saves a checkpoint: the caller's tensors and data cursor plus the random streams' positions, written to a file and
    /// recorded as a content-addressed artifact named <c>checkpoints/e{epoch}-b{batch}.ckpt</c>. Blocks until it is
    /// recorded, so a crash right after loses nothing. Returns the file's path.
    /// </summary>
    public string SaveCheckpoint(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Streams = _streams.Snapshot();
        var name = string.Create(CultureInfo.InvariantCulture, $"checkpoints/e{checkpoint.Epoch:D6}-b{checkpoint.Batch:D6}.ckpt");
        var directory = _context.CheckpointDirectory;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Path.GetFileName(name));
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            checkpoint.WriteTo(file);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        ReportStreams();
        Artifact(path, name);
        Flush();
        return path;
    }

    /// <summary>
    /// The checkpoint this run continues from (<c>repro run --resume RUN</c>), or null for a fresh start. Loading it
    /// checks its sha256 against the record (a mismatch is refused) and puts every random stream back where it stood,
    /// so the run continues the exact sequences of the run it resumes.
    /// </summary>
    public Checkpoint? ResumeCheckpoint()
    {
        if (_resumeLoaded)
        {
            return _resumed;
        }

        _resumeLoaded = true;
        if (_context.ResumeCheckpoint is not { Length: > 0 } path)
        {
            return null;
        }

        _resumed = Checkpoint.Load(path, _context.ResumeCheckpointSha256);
        if (_resumed.Streams is { } ledger)
        {
            _streams.Restore(ledger);
        }

        return _resumed;
    }

    /// <summary>Blocks until every event logged before the call has been written (at most 30 s; a warning then).</summary>
    public void Flush()
    {
        if (IsEnded)
        {
            return;
        }

        ReportStreams();
        if (!_pipeline.Flush(EndTimeout))
        {
            _warnings.WarnOnce(
                "flush-timeout:" + Id.Value,
                $"Flush gave up after {EndTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: recording is slow or stalled.");
        }
    }

    /// <summary>Writes every queued event and completes the run. Logging afterwards is ignored (with one warning).</summary>
    public void Dispose() => End(success: true);

    internal static Run Create(
        RunOptions options,
        IReadOnlyDictionary<string, string> environment,
        SdkWarnings warnings,
        Func<RunStartInfo, StandaloneRun>? standaloneFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (options.Seed is { } requested && (requested < 0 || requested > Seeds.Max))
        {
            throw new ArgumentOutOfRangeException(nameof(options), requested, $"RunOptions.Seed must be in 0..{Seeds.Max}.");
        }

        var deterministic = Get(environment, DeterministicVariable) == "1";
        var threads = ReadThreads(environment, warnings);
        var runIdText = Get(environment, RunIdVariable);
        var eventsPath = Get(environment, EventsVariable);
        if (!string.IsNullOrEmpty(runIdText) && !string.IsNullOrEmpty(eventsPath))
        {
            return Attach(options, environment, warnings, runIdText, eventsPath, deterministic, threads);
        }

        var cli = options.Params ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var info = new RunStartInfo(
            options.Name, options.Experiment, options.Seed, cli, Environment.CurrentDirectory, Environment.GetCommandLineArgs());
        StandaloneRun started;
        if (standaloneFactory is not null)
        {
            started = standaloneFactory(info);
        }
        else
        {
            started = new StandaloneRun(new MemorySink(), RunId.New(), options.Seed ?? Seeds.Draw());
            warnings.WarnOnce(
                "standalone",
                $"not inside `repro run`; nothing is recorded (seed {started.Seed}). " +
                "To record this run, start it with `repro run -- <your command>`.");
        }

        var overrides = new ParamOverrides(cli, environment, "RunOptions.Params");
        return new Run(
            new RunContext(started.Id, started.Seed, false, deterministic, threads, overrides)             {
                ResumeCheckpoint = Get(environment, ResumeVariable),
                ResumeCheckpointSha256 = Get(environment, ResumeShaVariable),
                CheckpointDirectory = Path.Combine(Path.GetTempPath(), "repro-checkpoints", started.Id.Value),
            },
            started.Sink,
            warnings);
    }

    private static Run Attach(
        RunOptions options,
        IReadOnlyDictionary<string, string> environment,
        SdkWarnings warnings,
        string runIdText,
        string eventsPath,
        bool deterministic,
        int threads)
    {
        if (!RunId.IsValid(runIdText))
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"{RunIdVariable} is '{runIdText}', which is not a run id (32 lowercase hex characters). It is set by `repro run`; " +
                $"start the program with `repro run -- CMD`, or unset {RunIdVariable} to run without recording.");
        }

        var seedText = Get(environment, SeedVariable);
        long seed;
        var drawn = string.IsNullOrWhiteSpace(seedText);
        if (drawn)
        {
            seed = Seeds.Draw();
            warnings.Warn($"{SeedVariable} is not set; using seed {seed}, recorded as tag {DrawnSeedTag}.");
        }
        else
        {
            try
            {
                seed = Seeds.Parse(seedText!);
            }
            catch (ReproException e)
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    $"{SeedVariable} is '{seedText}': {e.Message} It is set by `repro run`; give the seed there, e.g. `repro run --seed 42 -- CMD`.",
                    e);
            }
        }

        var cli = ParamOverrides.ParseJson(Get(environment, ParamsVariable) ?? "", ParamsVariable);
        WarnIgnoredOptions(options, seed, warnings);
        var overrides = new ParamOverrides(cli, environment, "the `repro run` command line (REPRO_PARAMS)");
        var run = new Run(
            new RunContext(new RunId(runIdText), seed, true, deterministic, threads, overrides)
            {
                ResumeCheckpoint = Get(environment, ResumeVariable),
                ResumeCheckpointSha256 = Get(environment, ResumeShaVariable),
                CheckpointDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(eventsPath)) ?? Path.GetTempPath(), "checkpoints"),
            },
            new EventFileSink(eventsPath),
            warnings);
        if (drawn)
        {
            run.Tag(DrawnSeedTag, seed.ToString(CultureInfo.InvariantCulture));
        }

        return run;
    }

    private static void WarnIgnoredOptions(RunOptions options, long seed, SdkWarnings warnings)
    {
        var ignored = new List<string>();
        if (options.Name is not null)
        {
            ignored.Add("Name");
        }

        if (options.Experiment is not null)
        {
            ignored.Add("Experiment");
        }

        if (options.Seed is { } s && s != seed)
        {
            ignored.Add($"Seed (this run's seed is {seed})");
        }

        if (options.Params is { Count: > 0 })
        {
            ignored.Add("Params");
        }

        if (ignored.Count > 0)
        {
            warnings.Warn(
                $"RunOptions {string.Join(", ", ignored)} ignored: inside `repro run` the run is set up by the `repro run` " +
                "command line; give these settings there.");
        }
    }

    private static int ReadThreads(IReadOnlyDictionary<string, string> environment, SdkWarnings warnings)
    {
        var text = Get(environment, ThreadsVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Environment.ProcessorCount;
        }

        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var threads) && threads >= 1)
        {
            return threads;
        }

        warnings.Warn($"{ThreadsVariable} is '{text}', not a positive whole number; using {Environment.ProcessorCount} threads.");
        return Environment.ProcessorCount;
    }

    private static string? Get(IReadOnlyDictionary<string, string> environment, string name) =>
        environment.TryGetValue(name, out var value) ? value : null;

    /// <summary>The REPRO_* variables of this process (nothing else is read, so nothing else can leak into a record).</summary>
    private static Dictionary<string, string> ReadProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value && name.StartsWith("REPRO_", StringComparison.Ordinal))
            {
                result[name] = value;
            }
        }

        return result;
    }

    private static Run Hook(Run run)
    {
        AppDomain.CurrentDomain.ProcessExit += run.OnProcessExit;
        AppDomain.CurrentDomain.UnhandledException += run.OnUnhandledException;
        run._hooked = true;
        return run;
    }

    private void OnProcessExit(object? sender, EventArgs e) => End(success: true);

    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e)
    {
        if (e.IsTerminating)
        {
            End(success: false);
        }
    }

    private void End(bool success)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        if (_hooked)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        }

        foreach (var key in _overrides.Unread())
        {
            _warnings.Warn(
                $"param '{key}' was given on the command line but the program never read it with Run.Param; check its spelling.");
        }

        if (InvalidDropped > 0)
        {
            _warnings.Warn($"{InvalidDropped} invalid events of this run were dropped (see the first warning above).");
        }

        ReportStreams();
        _pipeline.Close(success, EndTimeout);
    }

    /// <summary>Queues the seed ledger: one stream event per stream used so far.</summary>
    private void ReportStreams()
    {
        foreach (var entry in _streams.Snapshot().Entries)
        {
            Enqueue(new PendingEvent(PendingKind.Stream, entry.Name, 0, entry.Draws, 0, entry.Key, default));
        }
    }

    private void Enqueue(in PendingEvent ev)
    {
        if (!_pipeline.TryEnqueue(ev))
        {
            Interlocked.Increment(ref _lateDropped);
            _warnings.WarnOnce(
                "late:" + Id.Value,
                $"an event ({ev.Kind.ToString().ToLowerInvariant()} '{ev.Key}') was logged after run {Id.Short} ended; " +
                "it and any later ones are dropped. Log before disposing the run.");
        }
    }

    private void Reject(string kind, string? key, string? why)
    {
        Interlocked.Increment(ref _invalidDropped);
        _warnings.WarnOnce(
            "invalid:" + Id.Value,
            $"dropped a {kind} event with key {Describe(key)}: " +
            (why ?? $"keys must have 1 to {ProtocolParser.MaxKeyLength} characters") +
            ". Further invalid events are dropped and counted; the count is reported when the run ends.");
    }

    private long NowMs() => _clockStartMs + (long)((Stopwatch.GetTimestamp() - _clockStartTicks) / _ticksPerMs);

    private static bool IsValidKey(string? key) => key is { Length: > 0 and <= ProtocolParser.MaxKeyLength };

    private static string Describe(string? key) =>
        key is null ? "null" : key.Length > 40 ? $"'{key[..40]}...' ({key.Length} characters)" : $"'{key}'";
}
