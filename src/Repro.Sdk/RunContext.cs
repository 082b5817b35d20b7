using Repro.Core.Runs;
using Repro.Sdk.Params;

namespace Repro.Sdk;

/// <summary>What a run knows about itself before it logs anything.</summary>
internal sealed record RunContext(RunId Id, long Seed, bool IsAttached, bool Deterministic, int Threads, ParamOverrides Overrides);
