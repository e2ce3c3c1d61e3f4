using System.Runtime.CompilerServices;
using Accel.Data;
using ILGPU;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>Puts the columns a kernel reads on the device in the kernels' layout (column-major int64 or double bits,
/// one validity byte per row). A column of a device-resident table is copied device to device (through the batch's
/// selection by a gather kernel); any other column is widened on the host and copied over.</summary>
internal static class DeviceStaging
{
    /// <summary>Stages the live rows of <paramref name="batches"/> (in batch order) for the columns at
    /// <paramref name="ordinals"/>: column k occupies elements [k·n, (k+1)·n) where n is the batches' total live rows.
    /// A string column is staged as codes into one dictionary over all its chunks (<see cref="StagedColumns.Dictionaries"/>).</summary>
    public static StagedColumns Stage(Accelerator a, KernelSet k, DeviceMemoryPool pool,
        IReadOnlyList<ColumnBatch> batches, IReadOnlyList<int> ordinals, long n)
    {
        long total = ordinals.Count * n;
        if (total > int.MaxValue)
            throw new AccelException($"gpu: {ordinals.Count} columns x {n:N0} rows exceed one kernel's int32 index range; split the input");
        var data = pool.Rent<long>(total);
        DeviceBuffer<byte>? valid = null;
        try
        {
            valid = pool.Rent<byte>(total);
            var dictionaries = new StringVector?[ordinals.Count];
            for (int c = 0; c < ordinals.Count; c++)
            {
                int[]?[]? remaps = null;
                if (batches.Count > 0 && batches[0][ordinals[c]] is StringVector)
                {
                    (dictionaries[c], remaps) = StringDictionary.Union(batches.Select(b => StringDictionary.Of((StringVector)b[ordinals[c]])).ToArray());
                }
                long at = c * n;
                for (int j = 0; j < batches.Count; j++)
                {
                    var b = batches[j];
                    int rows = b.RowCount;
                    if (rows == 0) continue;
                    StageInto(a, k, pool, b[ordinals[c]], rows, b.Selection, data, valid, at, remaps?[j]);
                    at += rows;
                }
            }
            return new StagedColumns(data, valid, dictionaries);
        }
        catch
        {
            valid?.Dispose();
            data.Dispose();
            throw;
        }
    }

    /// <summary>Stages one batch (see <see cref="Stage(Accelerator, KernelSet, DeviceMemoryPool, IReadOnlyList{ColumnBatch}, IReadOnlyList{int}, long)"/>).</summary>
    public static StagedColumns Stage(Accelerator a, KernelSet k, DeviceMemoryPool pool,
        ColumnBatch batch, IReadOnlyList<int> ordinals) => Stage(a, k, pool, [batch], ordinals, batch.RowCount);

    private static void StageInto(Accelerator a, KernelSet k, DeviceMemoryPool pool, ColumnVector column, int rows, int[]? selection,
        DeviceBuffer<long> data, DeviceBuffer<byte> valid, long at, int[]? remap)
    {
        if (DeviceResidentTable.Lookup(column, pool) is { } resident)
        {
            var dst = data.View.SubView(at, rows);
            var dstValid = valid.View.SubView(at, rows);
            var cfg = GpuRuntime.GridFor(a, rows);
            if (selection is null)
            {
                resident.Data.View.SubView(0, rows).CopyTo(dst);
                resident.Valid.View.SubView(0, rows).CopyTo(dstValid);
            }
            else
            {
                // Only the 4-byte positions cross the bus; the values stay on the device.
                using var sel = pool.Upload<int>(selection.AsSpan(0, rows));
                k.GatherRows(cfg, resident.Data.View, sel.View, rows, dst);
                k.GatherValid(cfg, resident.Valid.View, sel.View, rows, dstValid);
                a.Synchronize();
            }
            if (remap is not null)
            {
                // Only the chunk's dictionary-to-union map crosses the bus, not the codes.
                using var map = pool.Upload<int>(remap);
                k.RemapCodes(cfg, dst, map.View, rows);
                a.Synchronize();
            }
            return;
        }
        var hostData = new long[rows];
        var hostValid = new byte[rows];
        DeviceColumns.StageColumn(column, hostData, hostValid, selection is null ? default : selection.AsSpan(0, rows), remap);
        data.CopyFrom(hostData, at);
        valid.CopyFrom(hostValid, at);
    }
}

/// <summary>Columns staged on the device in the kernels' layout.</summary>
/// <param name="Data">Values, column-major (int64, double bits, or dictionary codes).</param>
/// <param name="Valid">One validity byte per row and column.</param>
/// <param name="Dictionaries">Per staged column, the strings its codes index (null for a column that is not a string).</param>
internal sealed record StagedColumns(DeviceBuffer<long> Data, DeviceBuffer<byte> Valid, StringVector?[] Dictionaries) : IDisposable
{
    /// <summary>The two device buffers.</summary>
    public void Deconstruct(out DeviceBuffer<long> data, out DeviceBuffer<byte> valid)
    {
        data = Data;
        valid = Valid;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Valid.Dispose();
        Data.Dispose();
    }
}

/// <summary>The columns of a cached table held on the device (<c>df.Cache()</c>, <c>CACHE TABLE</c>) in the kernels'
/// layout, so GPU operators over the table copy nothing across the bus but selections. Disposing (Unpersist,
/// UNCACHE TABLE) frees the device memory.</summary>
public sealed class DeviceResidentTable : IDisposable
{
    private static readonly ConditionalWeakTable<ColumnVector, ResidentColumn> s_columns = new();
    private readonly List<(ColumnVector Column, ResidentColumn Resident)> _held = [];

    private DeviceResidentTable(DeviceMemoryPool pool) => Pool = pool;

    internal DeviceMemoryPool Pool { get; }
    /// <summary>Columns (per batch) held on the device.</summary>
    public int ResidentColumns => _held.Count;
    /// <summary>Columns left on the host, because their type has no device layout (lists).</summary>
    public int HostColumns { get; private set; }
    /// <summary>Device bytes the table holds.</summary>
    public long Bytes { get; private set; }
    /// <summary>Whether it has been released.</summary>
    public bool Released { get; private set; }

    /// <summary>One line for plans: what is resident and what stayed on the host.</summary>
    public string Describe => Released ? "released"
        : $"{ResidentColumns} column chunks on the gpu ({Bytes / (1024.0 * 1024):0.#} MiB){(HostColumns > 0 ? $", {HostColumns} on the host (no device layout)" : "")}";

    /// <summary>Copies the stageable columns of <paramref name="batches"/> to the device. When they do not fit the
    /// budget, nothing stays resident and <paramref name="reason"/> says why (the table is then host-only).</summary>
    public static DeviceResidentTable? TryCreate(IReadOnlyList<ColumnBatch> batches, out string? reason)
    {
        var (ok, why) = GpuDevice.Availability;
        if (!ok) { reason = $"no GPU: {why}"; return null; }
        var runtime = GpuDevice.Runtime;
        var table = new DeviceResidentTable(runtime.Memory);
        try
        {
            runtime.Run((a, k) =>
            {
                foreach (var b in batches)
                {
                    int rows = b.PhysicalRows;
                    foreach (var c in b.Columns)
                    {
                        if (!DeviceColumns.CanStage(c)) { table.HostColumns++; continue; }
                        if (s_columns.TryGetValue(c, out var existing) && ReferenceEquals(existing.Pool, table.Pool)) continue;
                        var hostData = new long[rows];
                        var hostValid = new byte[rows];
                        DeviceColumns.StageColumn(c, hostData, hostValid, default);
                        var data = table.Pool.Upload<long>(hostData, resident: true);
                        DeviceBuffer<byte> valid;
                        try { valid = table.Pool.Upload<byte>(hostValid, resident: true); }
                        catch { data.Dispose(); throw; }
                        var rc = new ResidentColumn(table.Pool, data, valid, rows);
                        s_columns.AddOrUpdate(c, rc);
                        table._held.Add((c, rc));
                        table.Bytes += 9L * rows;
                    }
                }
                a.Synchronize();
                return 0;
            });
        }
        catch (DeviceOutOfMemoryException ex)
        {
            table.Dispose();
            reason = $"not cached on the gpu: {ex.Message}";
            return null;
        }
        reason = null;
        return table;
    }

    internal static ResidentColumn? Lookup(ColumnVector column, DeviceMemoryPool pool) =>
        s_columns.TryGetValue(column, out var r) && ReferenceEquals(r.Pool, pool) && !r.Released ? r : null;

    /// <summary>Whether <paramref name="column"/> is held on the current device.</summary>
    public static bool IsResident(ColumnVector column) =>
        GpuDevice.Availability.Available && Lookup(column, GpuDevice.Runtime.Memory) is not null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Released) return;
        Released = true;
        foreach (var (c, r) in _held)
        {
            if (s_columns.TryGetValue(c, out var cur) && ReferenceEquals(cur, r)) s_columns.Remove(c);
            r.Release();
        }
        _held.Clear();
        Bytes = 0;
    }
}

/// <summary>One resident column chunk.</summary>
internal sealed class ResidentColumn(DeviceMemoryPool pool, DeviceBuffer<long> data, DeviceBuffer<byte> valid, int rows)
{
    public DeviceMemoryPool Pool { get; } = pool;
    public DeviceBuffer<long> Data { get; } = data;
    public DeviceBuffer<byte> Valid { get; } = valid;
    public int Rows { get; } = rows;
    public bool Released { get; private set; }

    public void Release()
    {
        if (Released) return;
        Released = true;
        Data.Dispose();
        Valid.Dispose();
    }
}
