using Accel.Data;
using Accel.Kernels;

namespace Accel.Planner.Logical;

/// <summary>The device-resident tables of cached DataFrames. A cached DataFrame that is dropped without Unpersist
/// would otherwise hold its device memory for the life of the process: each new pin first frees the tables whose
/// cache source is no longer referenced (on the caller's thread, since device buffers cannot be freed from a finalizer).</summary>
internal static class DeviceCache
{
    private static readonly object s_lock = new();
    private static readonly List<(WeakReference<InMemorySource> Owner, DeviceResidentTable Table)> s_tables = [];

    /// <summary>Puts <paramref name="batches"/> on the device for <paramref name="owner"/>, or says why not.</summary>
    public static DeviceResidentTable? Pin(InMemorySource owner, IReadOnlyList<ColumnBatch> batches, out string? reason)
    {
        lock (s_lock)
        {
            Sweep();
            var table = DeviceResidentTable.TryCreate(batches, out reason);
            if (table is not null) s_tables.Add((new WeakReference<InMemorySource>(owner), table));
            return table;
        }
    }

    private static void Sweep()
    {
        s_tables.RemoveAll(t =>
        {
            if (!t.Table.Released && t.Owner.TryGetTarget(out _)) return false;
            t.Table.Dispose();
            return true;
        });
    }
}
