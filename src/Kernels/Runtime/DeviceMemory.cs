using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Accel.Kernels;

/// <summary>A device allocation did not fit the memory budget or the device. Operators that work batch by batch
/// split the batch and retry; the others fail over to the next path (or fail, under accel.strict).</summary>
public sealed class DeviceOutOfMemoryException(string message, long requestedBytes, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Bytes the failed allocation asked for.</summary>
    public long RequestedBytes { get; } = requestedBytes;
}

/// <summary>A point-in-time view of the device memory pool, for EXPLAIN, logs and benchmarks.</summary>
/// <param name="BudgetBytes">The most device memory the pool holds at once.</param>
/// <param name="InUseBytes">Bytes rented by running kernels.</param>
/// <param name="PooledBytes">Bytes of free buffers kept for reuse.</param>
/// <param name="ResidentBytes">Bytes of cached (device-resident) table columns.</param>
/// <param name="PeakBytes">The most bytes held at once since the pool was created.</param>
/// <param name="Allocations">Device allocations made.</param>
/// <param name="Reuses">Rents served from the pool without allocating.</param>
/// <param name="HostToDeviceBytes">Bytes copied from host to device.</param>
/// <param name="DeviceToHostBytes">Bytes copied from device to host.</param>
public readonly record struct DeviceMemoryStats(long BudgetBytes, long InUseBytes, long PooledBytes, long ResidentBytes, long PeakBytes,
    long Allocations, long Reuses, long HostToDeviceBytes, long DeviceToHostBytes);

/// <summary>The device memory manager: a pool of device buffers in size classes (powers of two up to 4096 elements,
/// then at most 25% over the request),
/// held under a byte budget. A rent that would pass the budget first frees the pooled buffers, then throws
/// <see cref="DeviceOutOfMemoryException"/>; so does a real CUDA out-of-memory after the pool was trimmed.
/// Cached table columns live here too (<see cref="ResidentBytes"/>) and are never trimmed.</summary>
public sealed class DeviceMemoryPool : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly object _lock = new();
    private readonly Dictionary<(Type Type, long Capacity), Stack<MemoryBuffer>> _free = new();
    private bool _disposed;
    private long _budget, _inUse, _pooled, _resident, _peak, _allocations, _reuses, _h2d, _d2h;

    internal DeviceMemoryPool(Accelerator accelerator, long budgetBytes)
    {
        _accelerator = accelerator;
        _budget = budgetBytes;
    }

    /// <summary>The budget: the most bytes the pool holds (rented, pooled and resident together).</summary>
    public long BudgetBytes
    {
        get { lock (_lock) return _budget; }
        set
        {
            if (value <= 0) throw new AccelException($"the device memory budget must be positive, got {value}");
            lock (_lock)
            {
                _budget = value;
                if (_inUse + _pooled + _resident > _budget) TrimLocked();
            }
        }
    }

    /// <summary>Current figures.</summary>
    public DeviceMemoryStats Stats
    {
        get { lock (_lock) return new(_budget, _inUse, _pooled, _resident, _peak, _allocations, _reuses, _h2d, _d2h); }
    }

    /// <summary>Bytes copied host to device so far (operators difference it around their work for EXPLAIN ANALYZE).</summary>
    public long HostToDeviceBytes => Interlocked.Read(ref _h2d);
    /// <summary>Bytes copied device to host so far.</summary>
    public long DeviceToHostBytes => Interlocked.Read(ref _d2h);

    /// <summary>Frees every pooled (unused) buffer.</summary>
    public void Trim()
    {
        lock (_lock) TrimLocked();
    }

    /// <summary>The size class a request of <paramref name="length"/> elements is served from: powers of two up to
    /// 4096 elements, then four steps per power of two, so a pooled buffer wastes at most a quarter.</summary>
    internal static long CapacityFor(long length)
    {
        if (length <= 64) return 64;
        long pow = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)length);
        if (pow <= 4096) return pow;
        long step = pow / 8;
        return (length + step - 1) / step * step;
    }

    /// <summary>Rents a buffer of at least <paramref name="length"/> elements (contents undefined).</summary>
    internal DeviceBuffer<T> Rent<T>(long length, bool resident = false) where T : unmanaged
    {
        long capacity = CapacityFor(Math.Max(1, length));
        long bytes = capacity * Unsafe.SizeOf<T>();
        lock (_lock)
        {
            if (_free.TryGetValue((typeof(T), capacity), out var stack) && stack.Count > 0)
            {
                var reused = (MemoryBuffer1D<T, Stride1D.Dense>)stack.Pop();
                _pooled -= bytes;
                Account(bytes, resident);
                _reuses++;
                return new DeviceBuffer<T>(this, reused, length, bytes, resident);
            }
            if (_inUse + _pooled + _resident + bytes > _budget) TrimLocked();
            if (_inUse + _resident + bytes > _budget)
                throw new DeviceOutOfMemoryException(
                    $"device memory budget exceeded: {Mb(bytes)} requested with {Mb(_inUse)} in use and {Mb(_resident)} resident, budget {Mb(_budget)}", bytes);
            var buffer = AllocateLocked<T>(capacity, bytes);
            Account(bytes, resident);
            _allocations++;
            return new DeviceBuffer<T>(this, buffer, length, bytes, resident);
        }
    }

    /// <summary>Rents a buffer and copies <paramref name="data"/> into it.</summary>
    internal DeviceBuffer<T> Upload<T>(T[] data, bool resident = false) where T : unmanaged => Upload((ReadOnlySpan<T>)data, resident);

    /// <summary>Rents a buffer and copies <paramref name="data"/> into it.</summary>
    internal DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data, bool resident = false) where T : unmanaged
    {
        var b = Rent<T>(data.Length, resident);
        try { b.CopyFrom(data); }
        catch { b.Dispose(); throw; }
        return b;
    }

    internal void CountHostToDevice(long bytes) => Interlocked.Add(ref _h2d, bytes);
    internal void CountDeviceToHost(long bytes) => Interlocked.Add(ref _d2h, bytes);

    internal void Return<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, long bytes, bool resident) where T : unmanaged
    {
        lock (_lock)
        {
            if (resident) _resident -= bytes; else _inUse -= bytes;
            // After the runtime is gone its accelerator has freed every buffer already.
            if (_disposed) return;
            if (_inUse + _pooled + _resident + bytes > _budget)
            {
                using (_accelerator.BindScoped()) buffer.Dispose();
                return;
            }
            var key = (typeof(T), buffer.Length);
            if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<MemoryBuffer>();
            stack.Push(buffer);
            _pooled += bytes;
        }
    }

    private MemoryBuffer1D<T, Stride1D.Dense> AllocateLocked<T>(long capacity, long bytes) where T : unmanaged
    {
        try
        {
            return _accelerator.Allocate1D<T>(capacity);
        }
        catch (Exception ex) when (IsDeviceOutOfMemory(ex))
        {
            // The driver's view of free memory can lag the budget (other processes, fragmentation): free the pool, retry once.
            TrimLocked();
            try { return _accelerator.Allocate1D<T>(capacity); }
            catch (Exception again) when (IsDeviceOutOfMemory(again))
            {
                throw new DeviceOutOfMemoryException($"the device is out of memory allocating {Mb(bytes)} ({Mb(_inUse)} in use, {Mb(_resident)} resident)", bytes, again);
            }
        }
    }

    private static bool IsDeviceOutOfMemory(Exception ex) =>
        ex is OutOfMemoryException || ex is CudaException ce && (ce.Error?.Contains("OUT_OF_MEMORY", StringComparison.Ordinal) ?? false)
        || ex.InnerException is { } inner && IsDeviceOutOfMemory(inner);

    private void Account(long bytes, bool resident)
    {
        if (resident) _resident += bytes; else _inUse += bytes;
        _peak = Math.Max(_peak, _inUse + _pooled + _resident);
    }

    private void TrimLocked()
    {
        if (_disposed) return;
        using var binding = _accelerator.BindScoped();
        foreach (var stack in _free.Values)
            while (stack.Count > 0) stack.Pop().Dispose();
        _pooled = 0;
    }

    private static string Mb(long bytes) => bytes < 1 << 20 ? $"{bytes / 1024.0:0.#} KiB" : $"{bytes / (1024.0 * 1024):0.##} MiB";

    /// <summary>Frees the pooled buffers (rented and resident ones are freed by their owners).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            TrimLocked();
            _disposed = true;
        }
    }
}

/// <summary>A rented device buffer: <see cref="View"/> is exactly the requested length; disposing returns it to the pool.</summary>
internal sealed class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    private readonly DeviceMemoryPool _pool;
    private MemoryBuffer1D<T, Stride1D.Dense>? _buffer;
    private readonly long _bytes;
    private readonly bool _resident;

    internal DeviceBuffer(DeviceMemoryPool pool, MemoryBuffer1D<T, Stride1D.Dense> buffer, long length, long bytes, bool resident)
    {
        _pool = pool;
        _buffer = buffer;
        _bytes = bytes;
        _resident = resident;
        Length = length;
        View = buffer.View.SubView(0, Math.Max(1, length));
    }

    /// <summary>Elements requested.</summary>
    public long Length { get; }
    /// <summary>The requested elements (at least one, so zero-length requests still give a valid view).</summary>
    public ArrayView1D<T, Stride1D.Dense> View { get; }

    /// <summary>Copies host data into the start of the buffer.</summary>
    public void CopyFrom(ReadOnlySpan<T> data) => CopyFrom(data, 0);

    /// <summary>Copies host data into the buffer at element <paramref name="offset"/>.</summary>
    public void CopyFrom(ReadOnlySpan<T> data, long offset)
    {
        if (data.Length == 0) return;
        View.SubView(offset, data.Length).AsContiguous().CopyFromCPU(data);
        _pool.CountHostToDevice((long)data.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>Copies the first <paramref name="destination"/>.Length elements (from <paramref name="offset"/>) to the host.</summary>
    public void CopyTo(Span<T> destination, long offset = 0)
    {
        if (destination.Length == 0) return;
        View.SubView(offset, destination.Length).AsContiguous().CopyToCPU(destination);
        _pool.CountDeviceToHost((long)destination.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>The requested elements, on the host.</summary>
    public T[] ToArray()
    {
        var r = new T[Length];
        CopyTo(r);
        return r;
    }

    /// <summary>Zeroes the requested elements.</summary>
    public void Clear() => View.MemSetToZero();

    /// <inheritdoc />
    public void Dispose()
    {
        var b = _buffer;
        if (b is null) return;
        _buffer = null;
        _pool.Return(b, _bytes, _resident);
    }
}
