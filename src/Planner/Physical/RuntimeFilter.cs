using Accel.Data;
using Accel.Vectorized;

namespace Accel.Planner.Physical;

/// <summary>A runtime filter: an inner (or semi) join publishes the keys of its build side once that side is in, and a
/// scan below its probe side drops the rows whose key cannot be among them before any join below sees them. TPC-H Q5
/// SF 3: lineitem meets 682,000 orders and only then the 5,900 Asian suppliers; filtered by those suppliers' keys at the
/// scan, the orders join probes a fifth of lineitem and gathers a fifth of its 2.7 million output rows.</summary>
public sealed class RuntimeFilter(string column, string join)
{
    // A filter that keeps more than this share of the rows it has seen after MinRowsSeen rows stops testing: the join's
    // own probe drops the few misses at no extra pass.
    private const double UsefulKeptShare = 0.9;
    private const long MinRowsSeen = 1 << 20;

    private JoinKeySet? _keys;
    private long _seen, _kept;

    /// <summary>The scan column the filter tests.</summary>
    public string Column { get; } = column;
    /// <summary>The join whose build keys it holds, as explain names it.</summary>
    public string Join { get; } = join;

    /// <summary>Rows tested and kept in the last run (0 and 0 before a run or when the join published nothing).</summary>
    public (long Seen, long Kept) Counts => (_seen, _kept);

    /// <summary>Whether the last run stopped testing because the filter kept nearly every row.</summary>
    public bool GaveUp { get; private set; }

    /// <summary>Called by the join with its build side's keys (null: none to publish, e.g. an unsupported type); resets
    /// the counts for this run.</summary>
    public void Publish(JoinKeySet? keys)
    {
        _keys = keys;
        _seen = _kept = 0;
        GaveUp = false;
    }

    /// <summary>The live rows of <paramref name="batch"/> whose value at <paramref name="ordinal"/> may match, or the batch
    /// as it is when nothing is published or the filter gave up.</summary>
    public ColumnBatch Apply(ColumnBatch batch, int ordinal)
    {
        var keys = _keys;
        if (keys is null || GaveUp) return batch;
        var kept = keys.Keep(batch[ordinal], batch.Selection, batch.PhysicalRows);
        long seen = Interlocked.Add(ref _seen, batch.RowCount);
        long all = Interlocked.Add(ref _kept, kept.Length);
        if (seen >= MinRowsSeen && all > UsefulKeptShare * seen) GaveUp = true;
        // A batch that keeps every row stays without a selection, so the operators above keep their dense paths.
        return kept.Length == batch.RowCount ? batch : batch.WithSelection(kept);
    }
}
