using Accel.Data;
using Accel.Kernels;

namespace Accel.Tests;

/// <summary>The device memory manager on ILGPU's CPU accelerator: size classes, reuse, the byte budget and its
/// out-of-memory exception, transfer counters, and device-resident tables staged exactly like host columns.</summary>
[Collection("gpu")]
public sealed class DeviceMemoryTests
{
    static DeviceMemoryTests() => GpuDevice.Use(GpuMode.Cpu);

    private static DeviceMemoryPool NewPool(long budget) => new(GpuDevice.Runtime.Accelerator, budget);

    [Theory]
    [InlineData(0, 64)]
    [InlineData(64, 64)]
    [InlineData(65, 128)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 5120)]
    [InlineData(10_000, 10_240)]
    [InlineData(1_000_001, 1_048_576)]
    public void Size_classes_are_powers_of_two_up_to_4096_then_at_most_a_quarter_over(long length, long capacity)
    {
        Assert.Equal(capacity, DeviceMemoryPool.CapacityFor(length));
        Assert.True(length <= 4096 || capacity <= length * 1.25);
    }

    [Fact]
    public void A_returned_buffer_is_reused_by_the_next_rent_of_its_size_class()
    {
        using var pool = NewPool(1 << 20);
        using (var first = pool.Rent<long>(1000)) Assert.Equal(1000, first.Length);
        Assert.Equal(1024 * 8, pool.Stats.PooledBytes);
        using (var second = pool.Rent<long>(900)) Assert.Equal(0, pool.Stats.PooledBytes);
        using (pool.Rent<int>(900)) { } // another element type is another class
        var s = pool.Stats;
        Assert.Equal((2, 1), (s.Allocations, s.Reuses));
        Assert.Equal(0, s.InUseBytes);
        Assert.Equal(1024 * 8 + 1024 * 4, s.PeakBytes);
    }

    [Fact]
    public void A_rent_past_the_budget_frees_pooled_buffers_first_then_throws_out_of_memory()
    {
        using var pool = NewPool(64 * 1024);
        using (pool.Rent<long>(6000)) { }                    // 48 KiB left pooled
        using (var fits = pool.Rent<long>(4000))             // 32 KiB more only fits once the pool is trimmed
            Assert.Equal(0, pool.Stats.PooledBytes);
        using var held = pool.Rent<long>(4000);
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => pool.Rent<long>(10_000));
        Assert.Equal(10_240 * 8, ex.RequestedBytes);
        Assert.Contains("device memory budget exceeded", ex.Message);
        Assert.Equal(4096 * 8, pool.Stats.InUseBytes); // the failed rent took nothing
        Assert.Throws<AccelException>(() => pool.BudgetBytes = 0);
    }

    [Fact]
    public void Transfers_are_counted_in_both_directions()
    {
        using var pool = NewPool(1 << 20);
        var data = Enumerable.Range(0, 100).Select(i => (long)i * 3).ToArray();
        using var b = pool.Upload<long>(data);
        Assert.Equal(800, pool.HostToDeviceBytes);
        Assert.Equal(data, b.ToArray());
        Assert.Equal(800, pool.DeviceToHostBytes);
    }

    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("512m", 512L << 20)]
    [InlineData("512MB", 512L << 20)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData(" 2k ", 2048L)]
    public void Byte_sizes_parse_with_binary_suffixes(string text, long bytes) => Assert.Equal(bytes, GpuDevice.ParseBytes(text));

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("-1g")]
    [InlineData("0")]
    [InlineData("12x")]
    public void Bad_byte_sizes_are_errors_that_quote_the_value(string text) =>
        Assert.Contains($"got '{text}'", Assert.Throws<AccelException>(() => GpuDevice.ParseBytes(text)).Message);

    private static readonly Schema StageSchema = new([
        new Field("a", DataType.Int64), new Field("b", DataType.Float64), new Field("c", DataType.Int32),
        new Field("d", DataType.Date32), new Field("s", DataType.Utf8),
    ]);

    private static ColumnBatch StageBatch(int rows) => ColumnBatch.FromRows(StageSchema, Enumerable.Range(0, rows).Select(i => new object?[]
    {
        i % 7 == 0 ? null : i * 1_000_003L - 5, i % 5 == 0 ? null : i * 0.25 - 3, i % 3 == 0 ? null : -i, new DateOnly(2020, 1, 1).AddDays(i % 400), $"s{i}",
    }));

    // Stages the columns a..s of `batch` through the runtime's pool and copies them back.
    private static (long[] Data, byte[] Valid, long H2D) StageAndRead(ColumnBatch batch)
    {
        var rt = GpuDevice.Runtime;
        long before = rt.Memory.HostToDeviceBytes;
        return rt.Run((a, k) =>
        {
            var (data, valid) = DeviceStaging.Stage(a, k, rt.Memory, batch, [0, 1, 2, 3, 4]);
            using (data)
            using (valid)
            {
                long h2d = rt.Memory.HostToDeviceBytes - before;
                return (data.ToArray(), valid.ToArray(), h2d);
            }
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_resident_table_stages_the_same_values_as_the_host_and_moves_only_the_selection(bool withSelection)
    {
        const int rows = 3000;
        var resident = StageBatch(rows);
        var host = StageBatch(rows); // equal values in other column objects, so nothing of it is resident
        int[]? sel = withSelection ? Enumerable.Range(0, rows).Where(i => i % 3 != 1).Reverse().ToArray() : null;
        long residentBefore = GpuDevice.Runtime.Memory.Stats.ResidentBytes;
        using var table = DeviceResidentTable.TryCreate([resident], out var reason);
        Assert.Null(reason);
        Assert.NotNull(table);
        Assert.Equal((5, 0), (table.ResidentColumns, table.HostColumns)); // the string column as dictionary codes
        Assert.Equal(5L * rows * 9, table.Bytes);
        Assert.True(DeviceResidentTable.IsResident(resident[0]));
        Assert.False(DeviceResidentTable.IsResident(host[0]));
        Assert.Contains("5 column chunks on the gpu", table.Describe);

        var fromDevice = StageAndRead(resident.WithSelection(sel));
        var fromHost = StageAndRead(host.WithSelection(sel));
        Assert.Equal(fromHost.Data, fromDevice.Data);
        Assert.Equal(fromHost.Valid, fromDevice.Valid);
        int live = sel?.Length ?? rows;
        Assert.Equal(5L * live * 9, fromHost.H2D);
        Assert.Equal(withSelection ? 5L * live * 4 : 0, fromDevice.H2D);

        table.Dispose();
        Assert.True(table.Released);
        Assert.False(DeviceResidentTable.IsResident(resident[0]));
        Assert.Equal(residentBefore, GpuDevice.Runtime.Memory.Stats.ResidentBytes);
        Assert.Equal(fromHost.Data, StageAndRead(resident.WithSelection(sel)).Data); // host staging again
    }

    [Fact]
    public void A_table_over_the_budget_stays_on_the_host_and_says_why()
    {
        var pool = GpuDevice.Runtime.Memory;
        long saved = pool.BudgetBytes;
        try
        {
            pool.BudgetBytes = pool.Stats.ResidentBytes + pool.Stats.InUseBytes + 16 * 1024;
            var batch = StageBatch(5000);
            Assert.Null(DeviceResidentTable.TryCreate([batch], out var reason));
            Assert.StartsWith("not cached on the gpu: device memory budget exceeded", reason);
            Assert.False(DeviceResidentTable.IsResident(batch[0])); // nothing was left half-resident
        }
        finally { pool.BudgetBytes = saved; }
    }
}
