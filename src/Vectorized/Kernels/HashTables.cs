using System.Numerics;
using System.Runtime.InteropServices;

namespace Accel.Vectorized;

/// <summary>The hash of 64-bit key words shared by the SIMD hash tables (a multiply-rotate-multiply mix:
/// consecutive keys spread over the whole table).</summary>
public static class KeyHash
{
    /// <summary>Hash of one word.</summary>
    public static ulong Mix(long key) => BitOperations.RotateLeft((ulong)key * 0x9E3779B97F4A7C15UL, 31) * 0xBF58476D1CE4E5B9UL;

    /// <summary>Hash of several words.</summary>
    public static ulong Mix(ReadOnlySpan<long> words)
    {
        ulong h = 0x243F6A8885A308D3UL;
        foreach (var w in words) h = Mix((long)(h ^ (ulong)w)) + 0x632BE59BD9B4E019UL;
        return h;
    }

    /// <summary>Hash of a byte string, 8 bytes at a time.</summary>
    public static ulong Mix(ReadOnlySpan<byte> bytes)
    {
        ulong h = (ulong)bytes.Length * 0x9E3779B97F4A7C15UL;
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8) h = Mix((long)(h ^ MemoryMarshal.Read<ulong>(bytes[i..])));
        ulong tail = 0;
        for (int k = 0; i < bytes.Length; i++, k += 8) tail |= (ulong)bytes[i] << k;
        return Mix((long)(h ^ tail));
    }
}

/// <summary>Open-addressing (linear probing) map from int64 keys to dense ids.</summary>
public sealed class LongHashTable
{
    private long[] _keys;
    private int[] _ids;
    private int _count;

    /// <summary>An empty table sized for about <paramref name="expected"/> keys.</summary>
    public LongHashTable(int expected = 32)
    {
        int cap = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, expected * 2));
        _keys = new long[cap];
        _ids = SlotArray.Empty(cap);
    }

    /// <summary>The number of keys.</summary>
    public int Count => _count;

    /// <summary>The id of <paramref name="key"/>, adding it with <paramref name="newId"/> when absent.</summary>
    public int GetOrAdd(long key, int newId)
    {
        if (_count * 2 >= _keys.Length) Resize();
        int mask = _keys.Length - 1;
        int i = (int)(KeyHash.Mix(key) & (ulong)mask);
        while (true)
        {
            int id = _ids[i];
            if (id < 0) { _keys[i] = key; _ids[i] = newId; _count++; return newId; }
            if (_keys[i] == key) return id;
            i = (i + 1) & mask;
        }
    }

    /// <summary>Grows the table once so that it holds <paramref name="keys"/> keys without resizing.</summary>
    public void Reserve(int keys)
    {
        if (keys * 2L < _keys.Length) return;
        var oldKeys = _keys;
        var oldIds = _ids;
        int cap = (int)BitOperations.RoundUpToPowerOf2((uint)keys * 2);
        _keys = System.Buffers.ArrayPool<long>.Shared.Rent(cap);
        _ids = SlotArray.Empty(cap);
        _count = 0;
        for (int i = 0; i < oldKeys.Length; i++) if (oldIds[i] >= 0) GetOrAdd(oldKeys[i], oldIds[i]);
        PooledArrays.Return(ref oldKeys);
        PooledArrays.Return(ref oldIds);
    }

    /// <summary>Hands the table's arrays back to the pool; the table is empty afterwards.</summary>
    public void Release()
    {
        PooledArrays.Return(ref _keys);
        PooledArrays.Return(ref _ids);
        _keys = new long[64];
        _ids = SlotArray.Empty(64);
        _count = 0;
    }

    /// <summary>The id of <paramref name="key"/>, or -1.</summary>
    public int Find(long key)
    {
        int mask = _keys.Length - 1;
        int i = (int)(KeyHash.Mix(key) & (ulong)mask);
        while (true)
        {
            int id = _ids[i];
            if (id < 0 || _keys[i] == key) return id;
            i = (i + 1) & mask;
        }
    }

    private void Resize() => Reserve(_keys.Length);
}

/// <summary>Open-addressing map from fixed-width tuples of int64 words to dense ids (ids are assigned
/// 0, 1, 2, ... in insertion order, and the table keeps each id's words).</summary>
public sealed class WideKeyTable(int width)
{
    private int[] _slots = SlotArray.Empty(64);
    private ulong[] _hashes = [];
    private long[] _words = new long[16 * width];
    private int _count;
    private int _keyless = -1;

    /// <summary>Words per key.</summary>
    public int Width => width;
    /// <summary>The number of keys.</summary>
    public int Count => _count;
    /// <summary>The words of key <paramref name="id"/>.</summary>
    public ReadOnlySpan<long> KeyOf(int id) => _words.AsSpan(id * width, width);

    /// <summary>The id of <paramref name="key"/>, adding it as the next id when absent.</summary>
    public int GetOrAdd(ReadOnlySpan<long> key)
    {
        if (_count * 2 >= _slots.Length) Resize();
        ulong h = KeyHash.Mix(key);
        int mask = _slots.Length - 1;
        int i = (int)(h & (ulong)mask);
        while (true)
        {
            int id = _slots[i];
            if (id < 0)
            {
                _slots[i] = _count;
                return Append(key, h);
            }
            if (_hashes[id] == h && key.SequenceEqual(KeyOf(id))) return id;
            i = (i + 1) & mask;
        }
    }

    /// <summary>Takes the next id for an entry no key maps to (so that ids stay aligned with a caller's
    /// numbering that has an extra, keyless member).</summary>
    public int AddKeyless() => _keyless = Append(stackalloc long[width], 0);

    private int Append(ReadOnlySpan<long> key, ulong hash)
    {
        if (_count == _hashes.Length) GrowEntries(Math.Max(16, _count * 2));
        _hashes[_count] = hash;
        key.CopyTo(_words.AsSpan(_count * width));
        return _count++;
    }

    /// <summary>The id of <paramref name="key"/>, or -1.</summary>
    public int Find(ReadOnlySpan<long> key)
    {
        ulong h = KeyHash.Mix(key);
        int mask = _slots.Length - 1;
        int i = (int)(h & (ulong)mask);
        while (true)
        {
            int id = _slots[i];
            if (id < 0 || (_hashes[id] == h && key.SequenceEqual(KeyOf(id)))) return id;
            i = (i + 1) & mask;
        }
    }

    /// <summary>Makes room for <paramref name="keys"/> keys in all, so that filling it up to that many never regrows.</summary>
    public void Reserve(int keys)
    {
        GrowEntries(keys);
        if (keys * 2L >= _slots.Length) Rehash((int)BitOperations.RoundUpToPowerOf2((uint)keys * 2 + 1));
    }

    // Room for the hashes and words of `keys` entries; the slots are sized by GetOrAdd and Reserve.
    private void GrowEntries(int keys)
    {
        PooledArrays.Grow(ref _hashes, keys);
        PooledArrays.Grow(ref _words, _hashes.Length * width);
    }

    /// <summary>Hands the table's arrays back to the pool; the table is empty afterwards.</summary>
    public void Release()
    {
        PooledArrays.Return(ref _slots);
        PooledArrays.Return(ref _hashes);
        PooledArrays.Return(ref _words);
        _slots = SlotArray.Empty(64);
        (_count, _keyless) = (0, -1);
    }

    private void Resize() => Rehash(_slots.Length * 2);

    private void Rehash(int size)
    {
        var old = _slots;
        _slots = SlotArray.Rehashed(size, _hashes, _count, _keyless);
        PooledArrays.Return(ref old);
    }
}

/// <summary>Interns byte strings: each distinct string gets the next dense id.</summary>
public sealed class ByteStringTable
{
    private int[] _slots = SlotArray.Empty(64);
    private ulong[] _hashes = new ulong[16];
    private int[] _starts = new int[17];
    private byte[] _bytes = new byte[256];
    private int _count;

    /// <summary>The number of distinct strings.</summary>
    public int Count => _count;

    /// <summary>The id of <paramref name="s"/>, adding it as the next id when absent.</summary>
    public int GetOrAdd(ReadOnlySpan<byte> s)
    {
        if (_count * 2 >= _slots.Length) Resize();
        ulong h = KeyHash.Mix(s);
        int mask = _slots.Length - 1;
        int i = (int)(h & (ulong)mask);
        while (true)
        {
            int id = _slots[i];
            if (id < 0) return Add(i, h, s);
            if (_hashes[id] == h && s.SequenceEqual(_bytes.AsSpan(_starts[id], _starts[id + 1] - _starts[id]))) return id;
            i = (i + 1) & mask;
        }
    }

    private int Add(int slot, ulong h, ReadOnlySpan<byte> s)
    {
        if (_count == _hashes.Length) { Array.Resize(ref _hashes, _count * 2); Array.Resize(ref _starts, _count * 2 + 1); }
        int end = _starts[_count] + s.Length;
        if (end > _bytes.Length) Array.Resize(ref _bytes, Math.Max(end, _bytes.Length * 2));
        s.CopyTo(_bytes.AsSpan(_starts[_count]));
        _hashes[_count] = h;
        _starts[_count + 1] = end;
        _slots[slot] = _count;
        return _count++;
    }

    private void Resize() => _slots = SlotArray.Rehashed(_slots.Length * 2, _hashes, _count);
}

/// <summary>The slot array of a table whose entries keep their own hashes: -1 marks a free slot.</summary>
internal static class SlotArray
{
    // Pooled: n is a power of two, which the pool hands out exactly.
    public static int[] Empty(int n) => PooledArrays.Rent(n, -1);

    public static int[] Rehashed(int size, ulong[] hashes, int count, int skip = -1)
    {
        var slots = Empty(size);
        int mask = size - 1;
        for (int id = 0; id < count; id++)
        {
            if (id == skip) continue;
            int i = (int)(hashes[id] & (ulong)mask);
            while (slots[i] >= 0) i = (i + 1) & mask;
            slots[i] = id;
        }
        return slots;
    }
}
