using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Repro.Core.Data;

namespace Repro.Capture.Data;

/// <summary>
/// Hashes the files of one walk: cached hashes first, then the rest on worker threads, largest files first so the
/// threads finish together. A file whose stat changes while it is read is read once more.
/// </summary>
internal sealed class HashSession
{
    private static readonly long ProgressInterval = Stopwatch.Frequency / 20;

    private readonly FileSystemAccess _fs;
    private readonly FingerprintOptions _options;
    private readonly List<FileCandidate> _files;
    private readonly DataStatCache? _cache;
    private readonly CancellationToken _cancellationToken;
    private readonly Result[] _results;
    private readonly long _bytesTotal;
    private long _bytesDone;
    private long _bytesHashed;
    private int _filesDone;
    private int _filesHashed;
    private long _lastReport;

    public HashSession(
        FileSystemAccess fs,
        FingerprintOptions options,
        List<FileCandidate> files,
        DataStatCache? cache,
        CancellationToken cancellationToken)
    {
        _fs = fs;
        _options = options;
        _files = files;
        _cache = cache;
        _cancellationToken = cancellationToken;
        _results = new Result[files.Count];
        _bytesTotal = files.Sum(f => f.Stat.Size);
    }

    public long BytesHashed => _bytesHashed;

    public int FilesHashed => _filesHashed;

    public int FilesFromCache { get; private set; }

    public List<ManifestEntry> Entries { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<Unreadable> Unreadable { get; } = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        var toHash = new List<int>();
        var firstWithIdentity = new Dictionary<(ulong, ulong), int>();
        var sameAs = new Dictionary<int, int>();
        for (var i = 0; i < _files.Count; i++)
        {
            var file = _files[i];
            if (_cache is not null && _cache.TryGet(file.RelativePath, file.Stat, out var cached))
            {
                _results[i] = new Result(Outcome.Cached, cached, file.Stat.Size, file.Stat, null, Stable: true);
                FilesFromCache++;
                _filesDone++;
                _bytesDone += file.Stat.Size;
            }
            else if (_fs.HasFileIdentity && !firstWithIdentity.TryAdd((file.Stat.Device, file.Stat.Inode), i))
            {
                // Another path to the same file (a hard link, or a directory reached twice through symbolic links).
                sameAs[i] = firstWithIdentity[(file.Stat.Device, file.Stat.Inode)];
            }
            else
            {
                toHash.Add(i);
            }
        }

        toHash.Sort((a, b) => _files[b].Stat.Size.CompareTo(_files[a].Stat.Size));
        Report(force: true);
        HashAll(toHash);
        foreach (var (duplicate, first) in sameAs)
        {
            _results[duplicate] = _results[first];
            _filesDone++;
            _bytesDone += _results[first].Size;
        }

        // Even when cancelled, the hashes already taken are worth keeping for next time.
        RecordInCache();
        _cancellationToken.ThrowIfCancellationRequested();
        Collect();
        Report(force: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RecordInCache()
    {
        if (_cache is null)
        {
            return;
        }

        for (var i = 0; i < _files.Count; i++)
        {
            // Hard links share the first path's stat; the cache keys each path on its own.
            if (_results[i] is { Outcome: Outcome.Hashed, Stable: true } result)
            {
                _cache.Add(_files[i].RelativePath, result.Stat, result.Sha256);
            }
        }
    }

    private void HashAll(List<int> toHash)
    {
        var workers = Math.Min(_options.MaxDegreeOfParallelism, toHash.Count);
        var next = -1;
        ExceptionDispatchInfo? failure = null;
        void Work()
        {
            try
            {
                var buffer = GC.AllocateUninitializedArray<byte>(_options.BufferSize);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                int k;
                while ((k = Interlocked.Increment(ref next)) < toHash.Count && !_cancellationToken.IsCancellationRequested)
                {
                    var index = toHash[k];
                    _results[index] = HashWithRetry(_files[index], buffer, hash);
                    Interlocked.Increment(ref _filesDone);
                    Report(force: false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                Interlocked.Exchange(ref next, toHash.Count);
            }
        }

        if (workers <= 1)
        {
            Work();
        }
        else
        {
            var threads = Enumerable.Range(0, workers)
                .Select(n => new Thread(Work) { IsBackground = true, Name = "repro-data-hash-" + n })
                .ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }

        failure?.Throw();
    }

    private Result HashWithRetry(FileCandidate file, byte[] buffer, IncrementalHash hash)
    {
        var first = HashOnce(file, buffer, hash);
        if (first.Outcome != Outcome.Hashed || first.Stable)
        {
            return first;
        }

        var second = HashOnce(file, buffer, hash);
        if (second.Outcome != Outcome.Hashed)
        {
            return second;
        }

        var quoted = DataPathName.Quote(file.RelativePath);
        return second.Stable
            ? second with { Warning = $"{quoted} changed while it was being hashed; it was hashed again." }
            : second with
            {
                Warning = $"{quoted} kept changing while it was being hashed; its recorded hash may not match its content. "
                    + "Stop whatever writes it before the run.",
            };
    }

    private Result HashOnce(FileCandidate file, byte[] buffer, IncrementalHash hash)
    {
        var path = file.AbsolutePath();
        if (!_fs.TryOpenRead(path, out var handle, out var openError))
        {
            return openError.Kind == FsErrorKind.NotFound
                ? Vanished($"{DataPathName.Quote(file.RelativePath)} disappeared before it was hashed; left out.")
                : new Result(Outcome.Unreadable, "", 0, default, openError.Message, false);
        }

        using (handle)
        {
            var before = _fs.StatOpen(handle);
            if (before.Kind != FileKind.File)
            {
                return Vanished($"{DataPathName.Quote(file.RelativePath)} is no longer a regular file; left out.");
            }

            long offset = 0;
            try
            {
                int read;
                while ((read = RandomAccess.Read(handle, buffer, offset)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    offset += read;
                    Interlocked.Add(ref _bytesHashed, read);
                    Interlocked.Add(ref _bytesDone, read);
                    Report(force: false);
                    if (_cancellationToken.IsCancellationRequested)
                    {
                        return new Result(Outcome.Vanished, "", 0, default, null, false);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                hash.GetHashAndReset();
                return new Result(Outcome.Unreadable, "", 0, default, e.Message, false);
            }

            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            Interlocked.Increment(ref _filesHashed);
            _options.AfterHashPass?.Invoke(file.RelativePath);
            var after = _fs.StatOpen(handle);
            var stable = after == before && offset == before.Size
                && _fs.TryStat(path, out var current, out _) && current.IsSameFile(before)
                && current.Size == before.Size && current.MtimeNs == before.MtimeNs;
            return new Result(Outcome.Hashed, sha, offset, before, null, stable);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Collect()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // The walk gave the files in manifest order.
        for (var i = 0; i < _files.Count; i++)
        {
            var file = _files[i];
            var result = _results[i];
            switch (result.Outcome)
            {
                case Outcome.Cached:
                    Entries.Add(new ManifestEntry(file.RelativePath, result.Size, result.Sha256));
                    break;
                case Outcome.Hashed:
                    Entries.Add(new ManifestEntry(file.RelativePath, result.Size, result.Sha256));
                    if (result.Warning is not null && seen.Add(result.Warning))
                    {
                        Warnings.Add(result.Warning);
                    }

                    break;
                case Outcome.Unreadable:
                    Unreadable.Add(new Unreadable(file.RelativePath, result.Warning ?? "unknown error"));
                    break;
                default:
                    if (result.Warning is not null && seen.Add(result.Warning))
                    {
                        Warnings.Add(result.Warning);
                    }

                    break;
            }
        }
    }

    private void Report(bool force)
    {
        if (_options.Progress is not { } progress)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastReport);
        if (!force && (now - last < ProgressInterval || Interlocked.CompareExchange(ref _lastReport, now, last) != last))
        {
            return;
        }

        Interlocked.Exchange(ref _lastReport, now);
        progress.Report(new FingerprintProgress(
            Volatile.Read(ref _filesDone), _files.Count, Interlocked.Read(ref _bytesDone), _bytesTotal));
    }

    private static Result Vanished(string? warning) => new(Outcome.Vanished, "", 0, default, warning, false);

    private enum Outcome
    {
        Cached,
        Hashed,
        Unreadable,
        Vanished,
    }

    /// <summary>Warning holds the reason for <see cref="Outcome.Unreadable"/>.</summary>
    private readonly record struct Result(Outcome Outcome, string Sha256, long Size, FileStat Stat, string? Warning, bool Stable);
}
