using System.Runtime.ExceptionServices;
using System.Text;
using Accel.Data;

namespace Accel.IO.Generators;

/// <summary>Generates the eight TPC-H tables at a scale factor, following the value rules of the TPC-H
/// specification (v3, clause 4.2) so that the 22 queries with their validation parameters find rows.
/// Every row is a pure function of (seed, table, key): output does not depend on batch size or thread
/// count, and a lineitem row is regenerated from its order's stream, so orders and lineitem always agree.</summary>
public static class TpchGenerator
{
    /// <summary>The seed used when none is given.</summary>
    public const int DefaultSeed = 1;
    /// <summary>Rows per generated batch unless told otherwise.</summary>
    public const int DefaultBatchRows = 1 << 17;

    /// <summary>The table names in the specification's order.</summary>
    public static IReadOnlyList<string> TableNames { get; } = ["region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"];

    // Each table (and the lineitem text fields, drawn apart so that orders alone need not draw them) has its own stream.
    private const int StreamRegion = 1, StreamNation = 2, StreamPart = 3, StreamSupplier = 4, StreamPartSupp = 5,
        StreamCustomer = 6, StreamOrders = 7, StreamLineText = 8, StreamSupplierPress = 9;

    private static readonly int StartDay = ValueConversions.FromDate(new DateOnly(1992, 1, 1));
    private static readonly int CurrentDay = ValueConversions.FromDate(new DateOnly(1995, 6, 17));
    // Orders stop 151 days before the end date (1998-12-31) so that every line ships, commits and arrives by then.
    private static readonly int LastOrderDay = ValueConversions.FromDate(new DateOnly(1998, 12, 31)) - 151;

    // Declared before Schemas, which is built from it during static initialization.
    private static readonly DataType Decimal152 = DataType.Decimal(15, 2);
    private static readonly Dictionary<string, Schema> Schemas = BuildSchemas();

    /// <summary>The schema of a table: the specification's column names, int64 keys, int32 integers,
    /// decimal(15,2) money and quantities, date columns and strings; no column is nullable.</summary>
    public static Schema SchemaOf(string table) =>
        Schemas.TryGetValue(table.ToLowerInvariant(), out var s) ? s : throw UnknownTable(table);

    /// <summary>Rows a table has at a scale factor: exact for every table but lineitem, whose 1 to 7 lines
    /// per order make its count random (this returns the expected 4 per order).</summary>
    public static long ExpectedRows(string table, double sf)
    {
        var c = new Scale(sf);
        return table.ToLowerInvariant() switch
        {
            "region" => 5,
            "nation" => 25,
            "part" => c.Parts,
            "supplier" => c.Suppliers,
            "partsupp" => c.Parts * 4,
            "customer" => c.Customers,
            "orders" => c.Orders,
            "lineitem" => c.Orders * 4,
            _ => throw UnknownTable(table),
        };
    }

    /// <summary>Streams a table's rows in batches of about <paramref name="batchRows"/> rows (lineitem
    /// batches vary around it), generating upcoming batches in the background on the other cores.</summary>
    public static IEnumerable<ColumnBatch> Generate(string table, double sf, int seed = DefaultSeed, int batchRows = DefaultBatchRows)
    {
        if (batchRows < 1) throw new AccelException($"batch size must be at least 1 row, got {batchRows}");
        var c = new Context(new Scale(sf), seed);
        // partsupp has 4 rows per part and lineitem about 4 per order: a quarter as many keys fills a batch.
        int quarterBatch = Math.Max(1, batchRows / 4);
        return table.ToLowerInvariant() switch
        {
            "region" => [RegionBatch(c)],
            "nation" => [NationBatch(c)],
            "part" => Ranged(c.Scale.Parts, batchRows, (first, n) => PartBatch(c, first, n)),
            "supplier" => Ranged(c.Scale.Suppliers, batchRows, (first, n) => SupplierBatch(c, first, n)),
            "partsupp" => Ranged(c.Scale.Parts, quarterBatch, (first, n) => PartSuppBatch(c, first, n)),
            "customer" => Ranged(c.Scale.Customers, batchRows, (first, n) => CustomerBatch(c, first, n)),
            "orders" => Ranged(c.Scale.Orders, batchRows, (first, n) => OrderChunk(c, first, n, wantOrders: true, wantLines: false).Orders!),
            "lineitem" => Ranged(c.Scale.Orders, quarterBatch, (first, n) => OrderChunk(c, first, n, wantOrders: false, wantLines: true).Lines!),
            _ => throw UnknownTable(table),
        };
    }

    /// <summary>Writes all eight tables to <c>outDir/&lt;table&gt;.&lt;ext&gt;</c> (format parquet, csv or
    /// arrow; CSV files get a header line), overwriting existing files, several tables at once. Reports
    /// the finished fraction (0..1) to <paramref name="progress"/> and returns the files in table order.</summary>
    public static IReadOnlyList<GeneratedFile> WriteAll(double sf, string outDir, string format = "parquet", IProgress<double>? progress = null, int seed = DefaultSeed)
    {
        _ = new Scale(sf);
        var ext = GeneratorOutput.Extension(format);
        Directory.CreateDirectory(outDir);
        // Largest first: lineitem is most of the work, so it starts at once and the rest fill the other cores.
        string[] order = ["lineitem", "orders", "partsupp", "part", "customer", "supplier", "nation", "region"];
        double Weight(string t) => SchemaOf(t).Count;
        var tally = new GeneratorOutput.ProgressTally(progress, order.Sum(t => ExpectedRows(t, sf) * Weight(t)));
        var results = new GeneratedFile[order.Length];
        int next = -1;
        int workers = Math.Min(order.Length, Math.Max(2, Environment.ProcessorCount));
        // Long-running threads, because each blocks on background batch generation that needs the pool.
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < order.Length)
            {
                var t = order[i];
                double w = Weight(t);
                results[i] = GeneratorOutput.Write(t, format, Path.Combine(outDir, t + ext), SchemaOf(t), Generate(t, sf, seed), rows => tally.Add(rows * w));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        try { Task.WaitAll(tasks); }
        catch (AggregateException ae) when (ae.InnerExceptions.Count > 0) { ExceptionDispatchInfo.Throw(ae.InnerExceptions[0]); }
        progress?.Report(1.0);
        return TableNames.Select(t => results[Array.IndexOf(order, t)]).ToArray();
    }

    private static AccelException UnknownTable(string table) =>
        new($"unknown TPC-H table '{table}' (expected one of {string.Join(", ", TableNames)})");

    /// <summary>Table sizes at a scale factor (clause 4.2.5), at least one row each.</summary>
    private readonly struct Scale
    {
        public readonly double Sf;
        public readonly long Parts, Suppliers, Customers, Orders, Clerks;

        public Scale(double sf)
        {
            if (!double.IsFinite(sf) || sf <= 0 || sf > 100_000)
                throw new AccelException($"TPC-H scale factor must be a number in (0, 100000], got {sf}");
            Sf = sf;
            // Rounded, not truncated, so that e.g. 0.07 * 10000 does not become 699.
            long Rows(long perSf) => Math.Max(1, (long)Math.Round(sf * perSf));
            Parts = Rows(200_000);
            Suppliers = Rows(10_000);
            Customers = Rows(150_000);
            Orders = Rows(1_500_000);
            Clerks = Rows(1_000);
        }
    }

    /// <summary>What batch builders share: sizes, the seed and the suppliers whose comments carry the
    /// Better Business Bureau phrases of Q16 (true: Complaints, false: Recommends).</summary>
    private sealed class Context(Scale scale, int seed)
    {
        public readonly Scale Scale = scale;
        public readonly int Seed = seed;
        public readonly Dictionary<long, bool> Press = PickPress(scale, seed);

        // Clause 4.2.3: SF*5 suppliers get "Customer%Complaints" and SF*5 others "Customer%Recommends";
        // at least one each (when there are two suppliers) so that Q16 filters something at small scales.
        private static Dictionary<long, bool> PickPress(Scale s, int seed)
        {
            long each = Math.Min(Math.Max(1, (long)Math.Round(s.Sf * 5)), s.Suppliers / 2);
            var r = GenRandom.For(seed, StreamSupplierPress, 0);
            var press = new Dictionary<long, bool>();
            while (press.Count < 2 * each)
            {
                long key = r.NextLong(1, s.Suppliers);
                press.TryAdd(key, press.Count < each);
            }
            return press;
        }
    }

    private static IEnumerable<ColumnBatch> Ranged(long total, int perBatch, Func<long, int, ColumnBatch> make)
    {
        int batches = checked((int)((total + perBatch - 1) / perBatch));
        return GeneratorOutput.Ordered(batches, b =>
        {
            long first = 1 + (long)b * perBatch;
            return make(first, (int)Math.Min(perBatch, total - first + 1));
        }, Environment.ProcessorCount);
    }

    // ---- value encodings ----

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static readonly byte[][] ColorBytes = TpchText.Colors.Select(Ascii).ToArray();
    private static readonly byte[][] TypeBytes =
        (from a in TpchText.TypeSyllables[0] from b in TpchText.TypeSyllables[1] from c in TpchText.TypeSyllables[2] select Ascii($"{a} {b} {c}")).ToArray();
    private static readonly byte[][] ContainerBytes =
        (from a in TpchText.ContainerSyllables[0] from b in TpchText.ContainerSyllables[1] select Ascii($"{a} {b}")).ToArray();
    private static readonly byte[][] MfgrBytes = Enumerable.Range(1, 5).Select(m => Ascii($"Manufacturer#{m}")).ToArray();
    private static readonly byte[][] BrandBytes = Enumerable.Range(0, 25).Select(i => Ascii($"Brand#{i / 5 + 1}{i % 5 + 1}")).ToArray();
    private static readonly byte[][] SegmentBytes = TpchText.Segments.Select(Ascii).ToArray();
    private static readonly byte[][] PriorityBytes = TpchText.Priorities.Select(Ascii).ToArray();
    private static readonly byte[][] InstructBytes = TpchText.Instructions.Select(Ascii).ToArray();
    private static readonly byte[][] ShipModeBytes = TpchText.ShipModes.Select(Ascii).ToArray();
    private static readonly byte[][] FlagBytes = [Ascii("R"), Ascii("A"), Ascii("N"), Ascii("O"), Ascii("F"), Ascii("P")];
    private static readonly byte[] SupplierPrefix = Ascii("Supplier#"), CustomerPrefix = Ascii("Customer#"), ClerkPrefix = Ascii("Clerk#");
    private static readonly byte[] Complaints = Ascii("Complaints"), Recommends = Ascii("Recommends"), CustomerWord = Ascii("Customer ");
    // Clause 4.2.2.7: v-strings draw from these 64 characters.
    private static readonly byte[] VStringChars = Ascii("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, ");

    /// <summary>Clause 4.2.3: only the first 8 of every 32 order keys are used (index 1..7 → 1..7, 8 → 32, ...).</summary>
    public static long OrderKeyOf(long orderIndex) => ((orderIndex >> 3) << 5) | (orderIndex & 7);

    /// <summary>Clause 4.2.3's p_retailprice, in cents.</summary>
    private static long RetailCents(long partKey) => 90_000 + partKey / 10 % 20_001 + 100 * (partKey % 1_000);

    /// <summary>Clause 4.2.3: the i-th (0..3) supplier of a part.</summary>
    private static long SupplierOf(long partKey, int i, long suppliers) =>
        (partKey + i * (suppliers / 4 + (partKey - 1) / suppliers)) % suppliers + 1;

    /// <summary>The n-th (0-based) customer key not divisible by 3: only those place orders.</summary>
    private static long OrderingCustomer(long n) => n / 2 * 3 + n % 2 + 1;

    private static int Digits(long v)
    {
        int d = 1;
        while (v >= 10) { v /= 10; d++; }
        return d;
    }

    private static int WriteNumber(Span<byte> dst, long v, int width)
    {
        for (int i = width - 1; i >= 0; i--) { dst[i] = (byte)('0' + v % 10); v /= 10; }
        return width;
    }

    private static void AppendNumbered(StringColumnBuilder b, byte[] prefix, long value, Span<byte> buf)
    {
        prefix.CopyTo(buf);
        int n = prefix.Length + WriteNumber(buf[prefix.Length..], value, Math.Max(9, Digits(value)));
        b.AppendBytes(buf[..n]);
    }

    private static void AppendPhone(StringColumnBuilder b, long nation, ref GenRandom r, Span<byte> buf)
    {
        int n = WriteNumber(buf, nation + 10, 2);
        buf[n++] = (byte)'-';
        n += WriteNumber(buf[n..], r.Next(100, 999), 3);
        buf[n++] = (byte)'-';
        n += WriteNumber(buf[n..], r.Next(100, 999), 3);
        buf[n++] = (byte)'-';
        n += WriteNumber(buf[n..], r.Next(1000, 9999), 4);
        b.AppendBytes(buf[..n]);
    }

    private static void AppendVString(StringColumnBuilder b, int min, int max, ref GenRandom r, Span<byte> buf)
    {
        int len = r.Next(min, max);
        for (int i = 0; i < len; i++) buf[i] = VStringChars[r.Next(0, VStringChars.Length - 1)];
        b.AppendBytes(buf[..len]);
    }

    private static ReadOnlySpan<byte> Text(int min, int max, ref GenRandom r)
    {
        var pool = TpchText.Pool;
        int len = r.Next(min, max);
        return pool.AsSpan(r.Next(0, pool.Length - len), len);
    }

    private static ColumnVector Longs(long[] v) => new PrimitiveVector<long>(DataType.Int64, v);
    private static ColumnVector Ints(int[] v) => new PrimitiveVector<int>(DataType.Int32, v);
    private static ColumnVector Money(long[] v) => new PrimitiveVector<long>(Decimal152, v);
    private static ColumnVector Dates(int[] v) => new PrimitiveVector<int>(DataType.Date32, v);

    // ---- tables ----

    private static ColumnBatch RegionBatch(Context c)
    {
        var key = new long[5];
        var name = new StringColumnBuilder(5);
        var comment = new StringColumnBuilder(5);
        for (int i = 0; i < 5; i++)
        {
            var r = GenRandom.For(c.Seed, StreamRegion, i);
            key[i] = i;
            name.Append(TpchText.Regions[i]);
            comment.AppendBytes(Text(31, 115, ref r));
        }
        return new ColumnBatch(SchemaOf("region"), [Longs(key), name.Build(), comment.Build()]);
    }

    private static ColumnBatch NationBatch(Context c)
    {
        int n = TpchText.Nations.Length;
        var key = new long[n];
        var region = new long[n];
        var name = new StringColumnBuilder(n);
        var comment = new StringColumnBuilder(n);
        for (int i = 0; i < n; i++)
        {
            var r = GenRandom.For(c.Seed, StreamNation, i);
            key[i] = i;
            name.Append(TpchText.Nations[i].Name);
            region[i] = TpchText.Nations[i].Region;
            comment.AppendBytes(Text(31, 114, ref r));
        }
        return new ColumnBatch(SchemaOf("nation"), [Longs(key), name.Build(), Longs(region), comment.Build()]);
    }

    private static ColumnBatch PartBatch(Context c, long first, int n)
    {
        var key = new long[n];
        var size = new int[n];
        var price = new long[n];
        StringColumnBuilder name = new(n), mfgr = new(n), brand = new(n), type = new(n), container = new(n), comment = new(n);
        Span<byte> buf = stackalloc byte[64];
        Span<int> words = stackalloc int[5];
        for (int i = 0; i < n; i++)
        {
            long pk = first + i;
            var r = GenRandom.For(c.Seed, StreamPart, pk);
            key[i] = pk;
            // p_name: five distinct colour words.
            int len = 0;
            for (int w = 0; w < 5; w++)
            {
                int pick;
                do pick = r.Next(0, ColorBytes.Length - 1); while (words[..w].Contains(pick));
                words[w] = pick;
                if (w > 0) buf[len++] = (byte)' ';
                ColorBytes[pick].CopyTo(buf[len..]);
                len += ColorBytes[pick].Length;
            }
            name.AppendBytes(buf[..len]);
            int m = r.Next(0, 4);
            mfgr.AppendBytes(MfgrBytes[m]);
            brand.AppendBytes(BrandBytes[m * 5 + r.Next(0, 4)]);
            type.AppendBytes(TypeBytes[r.Next(0, TypeBytes.Length - 1)]);
            size[i] = r.Next(1, 50);
            container.AppendBytes(ContainerBytes[r.Next(0, ContainerBytes.Length - 1)]);
            price[i] = RetailCents(pk);
            comment.AppendBytes(Text(5, 22, ref r));
        }
        return new ColumnBatch(SchemaOf("part"), [Longs(key), name.Build(), mfgr.Build(), brand.Build(), type.Build(), Ints(size), container.Build(), Money(price), comment.Build()]);
    }

    private static ColumnBatch SupplierBatch(Context c, long first, int n)
    {
        var key = new long[n];
        var nation = new long[n];
        var balance = new long[n];
        StringColumnBuilder name = new(n), address = new(n), phone = new(n), comment = new(n);
        Span<byte> buf = stackalloc byte[128];
        for (int i = 0; i < n; i++)
        {
            long sk = first + i;
            var r = GenRandom.For(c.Seed, StreamSupplier, sk);
            key[i] = sk;
            AppendNumbered(name, SupplierPrefix, sk, buf);
            AppendVString(address, 10, 40, ref r, buf);
            nation[i] = r.Next(0, 24);
            AppendPhone(phone, nation[i], ref r, buf);
            balance[i] = r.Next(-99_999, 999_999);
            var text = Text(25, 100, ref r);
            if (!c.Press.TryGetValue(sk, out bool complaint)) { comment.AppendBytes(text); continue; }
            // Overwrite part of the comment with "Customer <filler>Complaints|Recommends", keeping its length.
            text.CopyTo(buf);
            var tail = complaint ? Complaints : Recommends;
            int filler = r.Next(1, Math.Min(20, text.Length - CustomerWord.Length - tail.Length));
            int at = r.Next(0, text.Length - CustomerWord.Length - filler - tail.Length);
            CustomerWord.CopyTo(buf[at..]);
            Text(filler, filler, ref r).CopyTo(buf[(at + CustomerWord.Length)..]);
            tail.CopyTo(buf[(at + CustomerWord.Length + filler)..]);
            comment.AppendBytes(buf[..text.Length]);
        }
        return new ColumnBatch(SchemaOf("supplier"), [Longs(key), name.Build(), address.Build(), Longs(nation), phone.Build(), Money(balance), comment.Build()]);
    }

    private static ColumnBatch PartSuppBatch(Context c, long firstPart, int parts)
    {
        int n = parts * 4;
        var part = new long[n];
        var supp = new long[n];
        var avail = new int[n];
        var cost = new long[n];
        var comment = new StringColumnBuilder(n);
        for (int p = 0; p < parts; p++)
        {
            long pk = firstPart + p;
            var r = GenRandom.For(c.Seed, StreamPartSupp, pk);
            for (int s = 0; s < 4; s++)
            {
                int i = p * 4 + s;
                part[i] = pk;
                supp[i] = SupplierOf(pk, s, c.Scale.Suppliers);
                avail[i] = r.Next(1, 9_999);
                cost[i] = r.Next(100, 100_000);
                comment.AppendBytes(Text(49, 198, ref r));
            }
        }
        return new ColumnBatch(SchemaOf("partsupp"), [Longs(part), Longs(supp), Ints(avail), Money(cost), comment.Build()]);
    }

    private static ColumnBatch CustomerBatch(Context c, long first, int n)
    {
        var key = new long[n];
        var nation = new long[n];
        var balance = new long[n];
        StringColumnBuilder name = new(n), address = new(n), phone = new(n), segment = new(n), comment = new(n);
        Span<byte> buf = stackalloc byte[64];
        for (int i = 0; i < n; i++)
        {
            long ck = first + i;
            var r = GenRandom.For(c.Seed, StreamCustomer, ck);
            key[i] = ck;
            AppendNumbered(name, CustomerPrefix, ck, buf);
            AppendVString(address, 10, 40, ref r, buf);
            nation[i] = r.Next(0, 24);
            AppendPhone(phone, nation[i], ref r, buf);
            balance[i] = r.Next(-99_999, 999_999);
            segment.AppendBytes(SegmentBytes[r.Next(0, SegmentBytes.Length - 1)]);
            comment.AppendBytes(Text(29, 116, ref r));
        }
        return new ColumnBatch(SchemaOf("customer"), [Longs(key), name.Build(), address.Build(), Longs(nation), phone.Build(), Money(balance), segment.Build(), comment.Build()]);
    }

    /// <summary>Orders [first, first+n) (by order index, 1-based) and their lines. Order-level values and
    /// the line values that o_orderstatus and o_totalprice depend on come from the order's stream; the
    /// line text columns from a second stream that an orders-only pass never draws.</summary>
    private static (ColumnBatch? Orders, ColumnBatch? Lines) OrderChunk(Context c, long first, int n, bool wantOrders, bool wantLines)
    {
        var s = c.Scale;
        long orderingCustomers = s.Customers - s.Customers / 3;
        Span<byte> buf = stackalloc byte[32];

        long[] oKey = [], oCust = [], oTotal = [];
        int[] oDate = [], oShipPriority = [];
        StringColumnBuilder? oStatus = null, oPriority = null, oClerk = null, oComment = null;
        if (wantOrders)
        {
            oKey = new long[n]; oCust = new long[n]; oTotal = new long[n]; oDate = new int[n]; oShipPriority = new int[n];
            oStatus = new(n); oPriority = new(n); oClerk = new(n); oComment = new(n);
        }
        int cap = wantLines ? n * 7 : 0;
        long[] lOrder = new long[cap], lPart = new long[cap], lSupp = new long[cap], lQty = new long[cap], lPrice = new long[cap], lDisc = new long[cap], lTax = new long[cap];
        int[] lNumber = new int[cap], lShip = new int[cap], lCommit = new int[cap], lReceipt = new int[cap];
        StringColumnBuilder? lFlag = null, lStatus = null, lInstruct = null, lMode = null, lComment = null;
        if (wantLines) { lFlag = new(cap); lStatus = new(cap); lInstruct = new(cap); lMode = new(cap); lComment = new(cap); }
        int rows = 0;

        for (int o = 0; o < n; o++)
        {
            long index = first + o;
            long orderKey = OrderKeyOf(index);
            var r = GenRandom.For(c.Seed, StreamOrders, index);
            long cust = OrderingCustomer(r.NextLong(0, orderingCustomers - 1));
            int orderDate = r.Next(StartDay, LastOrderDay);
            int priority = r.Next(0, PriorityBytes.Length - 1);
            long clerk = r.NextLong(1, s.Clerks);
            var orderComment = Text(19, 78, ref r);
            int lines = r.Next(1, 7);
            var t = wantLines ? GenRandom.For(c.Seed, StreamLineText, index) : default;
            // Sum of extendedprice*(100+tax)*(100-discount) in cents * 10^4; exact, rounded once at the end.
            long total = 0;
            int shipped = 0;
            for (int line = 1; line <= lines; line++)
            {
                long partKey = r.NextLong(1, s.Parts);
                long suppKey = SupplierOf(partKey, r.Next(0, 3), s.Suppliers);
                int quantity = r.Next(1, 50);
                int discount = r.Next(0, 10);
                int tax = r.Next(0, 8);
                int shipDate = orderDate + r.Next(1, 121);
                int commitDate = orderDate + r.Next(30, 90);
                int receiptDate = shipDate + r.Next(1, 30);
                bool returned = r.Next(0, 1) == 0; // drawn for every line so the stream stays aligned
                long extended = quantity * RetailCents(partKey);
                total += extended * (100 + tax) * (100 - discount);
                if (shipDate <= CurrentDay) shipped++;
                if (!wantLines) continue;
                lOrder[rows] = orderKey;
                lPart[rows] = partKey;
                lSupp[rows] = suppKey;
                lNumber[rows] = line;
                lQty[rows] = quantity * 100L;
                lPrice[rows] = extended;
                lDisc[rows] = discount;
                lTax[rows] = tax;
                lFlag!.AppendBytes(FlagBytes[receiptDate <= CurrentDay ? (returned ? 0 : 1) : 2]);
                lStatus!.AppendBytes(FlagBytes[shipDate > CurrentDay ? 3 : 4]);
                lShip[rows] = shipDate;
                lCommit[rows] = commitDate;
                lReceipt[rows] = receiptDate;
                lInstruct!.AppendBytes(InstructBytes[t.Next(0, InstructBytes.Length - 1)]);
                lMode!.AppendBytes(ShipModeBytes[t.Next(0, ShipModeBytes.Length - 1)]);
                lComment!.AppendBytes(Text(10, 43, ref t));
                rows++;
            }
            if (!wantOrders) continue;
            oKey[o] = orderKey;
            oCust[o] = cust;
            oStatus!.AppendBytes(FlagBytes[shipped == lines ? 4 : shipped == 0 ? 3 : 5]);
            oTotal[o] = (total + 5_000) / 10_000;
            oDate[o] = orderDate;
            oPriority!.AppendBytes(PriorityBytes[priority]);
            AppendNumbered(oClerk!, ClerkPrefix, clerk, buf);
            oComment!.AppendBytes(orderComment);
        }

        ColumnBatch? orders = wantOrders
            ? new ColumnBatch(SchemaOf("orders"), [Longs(oKey), Longs(oCust), oStatus!.Build(), Money(oTotal), Dates(oDate), oPriority!.Build(), oClerk!.Build(), Ints(oShipPriority), oComment!.Build()])
            : null;
        ColumnBatch? lineItems = null;
        if (wantLines)
        {
            T[] Fit<T>(T[] a) => a.AsSpan(0, rows).ToArray();
            lineItems = new ColumnBatch(SchemaOf("lineitem"),
            [
                Longs(Fit(lOrder)), Longs(Fit(lPart)), Longs(Fit(lSupp)), Ints(Fit(lNumber)), Money(Fit(lQty)), Money(Fit(lPrice)),
                Money(Fit(lDisc)), Money(Fit(lTax)), lFlag!.Build(), lStatus!.Build(), Dates(Fit(lShip)), Dates(Fit(lCommit)),
                Dates(Fit(lReceipt)), lInstruct!.Build(), lMode!.Build(), lComment!.Build(),
            ]);
        }
        return (orders, lineItems);
    }

    private static Dictionary<string, Schema> BuildSchemas()
    {
        Field Key(string n) => new(n, DataType.Int64, Nullable: false);
        Field Int(string n) => new(n, DataType.Int32, Nullable: false);
        Field Money(string n) => new(n, Decimal152, Nullable: false);
        Field Date(string n) => new(n, DataType.Date32, Nullable: false);
        Field Str(string n) => new(n, DataType.Utf8, Nullable: false);
        return new Dictionary<string, Schema>
        {
            ["region"] = new([Key("r_regionkey"), Str("r_name"), Str("r_comment")]),
            ["nation"] = new([Key("n_nationkey"), Str("n_name"), Key("n_regionkey"), Str("n_comment")]),
            ["part"] = new([Key("p_partkey"), Str("p_name"), Str("p_mfgr"), Str("p_brand"), Str("p_type"), Int("p_size"), Str("p_container"), Money("p_retailprice"), Str("p_comment")]),
            ["supplier"] = new([Key("s_suppkey"), Str("s_name"), Str("s_address"), Key("s_nationkey"), Str("s_phone"), Money("s_acctbal"), Str("s_comment")]),
            ["partsupp"] = new([Key("ps_partkey"), Key("ps_suppkey"), Int("ps_availqty"), Money("ps_supplycost"), Str("ps_comment")]),
            ["customer"] = new([Key("c_custkey"), Str("c_name"), Str("c_address"), Key("c_nationkey"), Str("c_phone"), Money("c_acctbal"), Str("c_mktsegment"), Str("c_comment")]),
            ["orders"] = new([Key("o_orderkey"), Key("o_custkey"), Str("o_orderstatus"), Money("o_totalprice"), Date("o_orderdate"), Str("o_orderpriority"), Str("o_clerk"), Int("o_shippriority"), Str("o_comment")]),
            ["lineitem"] = new([Key("l_orderkey"), Key("l_partkey"), Key("l_suppkey"), Int("l_linenumber"), Money("l_quantity"), Money("l_extendedprice"),
                Money("l_discount"), Money("l_tax"), Str("l_returnflag"), Str("l_linestatus"), Date("l_shipdate"), Date("l_commitdate"),
                Date("l_receiptdate"), Str("l_shipinstruct"), Str("l_shipmode"), Str("l_comment")]),
        };
    }
}
