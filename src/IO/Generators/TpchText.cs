using System.Text;

namespace Accel.IO.Generators;

/// <summary>The value lists of the TPC-H specification (clause 4.2.2.13 and 4.2.3) and the pseudo-text
/// pool that comment columns are cut from (clause 4.2.2.10).</summary>
internal static class TpchText
{
    /// <summary>A list of words with the relative weights the specification gives them.</summary>
    public sealed class Weighted
    {
        private readonly string[] _words;
        private readonly int[] _cumulative;

        /// <summary>Parses "word:weight|word:weight|...".</summary>
        public Weighted(string spec)
        {
            var items = spec.Split('|');
            _words = new string[items.Length];
            _cumulative = new int[items.Length];
            int total = 0;
            for (int i = 0; i < items.Length; i++)
            {
                int colon = items[i].LastIndexOf(':');
                _words[i] = items[i][..colon];
                total += int.Parse(items[i][(colon + 1)..]);
                _cumulative[i] = total;
            }
        }

        /// <summary>A word drawn with probability proportional to its weight.</summary>
        public string Pick(ref GenRandom r)
        {
            int x = r.Next(1, _cumulative[^1]);
            int i = Array.BinarySearch(_cumulative, x);
            return _words[i >= 0 ? i : ~i];
        }
    }

    /// <summary>The five regions, in key order.</summary>
    public static readonly string[] Regions = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"];

    /// <summary>The 25 nations in key order with their region keys.</summary>
    public static readonly (string Name, int Region)[] Nations =
    [
        ("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4), ("ETHIOPIA", 0),
        ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2), ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2),
        ("JORDAN", 4), ("KENYA", 0), ("MOROCCO", 0), ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3),
        ("SAUDI ARABIA", 4), ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1),
    ];

    /// <summary>The 92 words p_name is made of.</summary>
    public static readonly string[] Colors =
    [
        "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue", "blush", "brown",
        "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk", "cream",
        "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick", "floral", "forest", "frosted", "gainsboro",
        "ghost", "goldenrod", "green", "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender",
        "lawn", "lemon", "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint",
        "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink",
        "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
        "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato", "turquoise",
        "violet", "wheat", "white", "yellow",
    ];

    /// <summary>p_type is one word of each of these three syllable lists.</summary>
    public static readonly string[][] TypeSyllables =
    [
        ["STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"],
        ["ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"],
        ["TIN", "NICKEL", "BRASS", "STEEL", "COPPER"],
    ];

    /// <summary>p_container is one word of each of these two syllable lists.</summary>
    public static readonly string[][] ContainerSyllables =
    [
        ["SM", "LG", "MED", "JUMBO", "WRAP"],
        ["CASE", "BOX", "BAG", "JAR", "PACK", "PKG", "CAN", "DRUM"],
    ];

    /// <summary>c_mktsegment values.</summary>
    public static readonly string[] Segments = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"];
    /// <summary>o_orderpriority values.</summary>
    public static readonly string[] Priorities = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"];
    /// <summary>l_shipinstruct values.</summary>
    public static readonly string[] Instructions = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"];
    /// <summary>l_shipmode values.</summary>
    public static readonly string[] ShipModes = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"];

    private static readonly Weighted Nouns = new(
        "foxes:20|ideas:20|theodolites:20|pinto beans:20|instructions:20|dependencies:10|excuses:10|platelets:10|" +
        "asymptotes:10|courts:5|dolphins:5|multipliers:1|sauternes:1|warthogs:1|frets:1|dinos:1|attainments:1|somas:1|" +
        "Tiresias:1|patterns:1|forges:1|braids:1|hockey players:1|frays:1|warhorses:1|dugouts:1|notornis:1|epitaphs:1|" +
        "pearls:1|tithes:1|waters:1|orbits:1|gifts:1|sheaves:1|depths:1|sentiments:1|decoys:1|realms:1|pains:1|" +
        "grouches:1|escapades:1|packages:40|requests:40|accounts:40|deposits:40");

    private static readonly Weighted Verbs = new(
        "sleep:20|wake:20|are:20|cajole:20|haggle:20|nag:10|use:10|boost:10|affix:5|detect:5|integrate:5|maintain:1|" +
        "nod:1|was:1|lose:1|sublate:1|solve:1|thrash:1|promise:1|engage:1|hinder:1|print:1|x-ray:1|breach:1|eat:1|" +
        "grow:1|impress:1|mold:1|poach:1|serve:1|run:1|dazzle:1|snooze:1|doze:1|unwind:1|kindle:1|play:1|hang:1|" +
        "believe:1|doubt:1");

    private static readonly Weighted Adjectives = new(
        "special:20|pending:20|unusual:20|express:20|furious:1|sly:1|careful:1|blithe:1|quick:1|fluffy:1|slow:1|" +
        "quiet:1|ruthless:1|thin:1|close:1|dogged:1|daring:1|brave:1|stealthy:1|permanent:1|enticing:1|idle:1|busy:1|" +
        "regular:50|final:40|ironic:40|even:30|bold:20|silent:10");

    private static readonly Weighted Adverbs = new(
        "sometimes:1|always:1|never:1|furiously:50|slyly:50|carefully:50|blithely:40|quickly:30|fluffily:20|slowly:1|" +
        "quietly:1|ruthlessly:1|thinly:1|closely:1|doggedly:1|daringly:1|bravely:1|stealthily:1|permanently:1|" +
        "enticingly:1|idly:1|busily:1|regularly:1|finally:1|ironically:1|evenly:1|boldly:1|silently:1");

    private static readonly Weighted Prepositions = new(
        "about:50|above:50|according to:50|across:50|after:50|against:40|along:40|alongside of:30|among:30|around:20|" +
        "at:10|atop:1|before:1|behind:1|beneath:1|beside:1|besides:1|between:1|beyond:1|by:1|despite:1|during:1|" +
        "except:1|for:1|from:1|in place of:1|inside:1|instead of:1|into:1|near:1|of:1|on:1|outside:1|over:1|past:1|" +
        "since:1|through:1|throughout:1|to:1|toward:1|under:1|until:1|up:1|upon:1|without:1|with:1|within:1");

    private static readonly Weighted Auxiliaries = new(
        "do:1|may:1|might:1|shall:1|will:1|would:1|can:1|could:1|should:1|ought to:1|must:1|will have to:1|" +
        "shall have to:1|could have to:1|should have to:1|must have to:1|need to:1|try to:1");

    private static readonly Weighted Terminators = new(".:50|;:1|::1|?:1|!:1|--:1");
    private static readonly Weighted Sentences = new("N V T:3|N V P T:3|N V N T:3|N P V N T:1|N P V P T:1");
    private static readonly Weighted NounPhrases = new("N:10|J N:20|J, J N:10|D J N:50");
    private static readonly Weighted VerbPhrases = new("V:30|X V:1|V D:40|X V D:1");

    /// <summary>Bytes of the text pool; comments are substrings of it at random offsets, as in the
    /// specification (which uses a 300 MB pool; 4 MB repeats sooner but keeps every word mix).</summary>
    public const int PoolBytes = 1 << 22;

    /// <summary>The text pool, ASCII, built once from a fixed seed so that every run shares it.</summary>
    public static byte[] Pool => s_pool.Value;
    private static readonly Lazy<byte[]> s_pool = new(() => BuildPool(PoolBytes));

    private static byte[] BuildPool(int bytes)
    {
        var r = new GenRandom(0x7C0FFEE);
        var sb = new StringBuilder(bytes + 256);
        while (sb.Length < bytes)
        {
            foreach (var part in Sentences.Pick(ref r).Split(' '))
            {
                switch (part)
                {
                    case "N": NounPhrase(sb, ref r); break;
                    case "V": VerbPhrase(sb, ref r); break;
                    case "P": Word(sb, Prepositions.Pick(ref r)); Word(sb, "the"); NounPhrase(sb, ref r); break;
                    default: sb.Append(Terminators.Pick(ref r)); break;
                }
            }
        }
        return Encoding.ASCII.GetBytes(sb.ToString(0, bytes));
    }

    private static void Word(StringBuilder sb, string w)
    {
        if (sb.Length > 0) sb.Append(' ');
        sb.Append(w);
    }

    private static void NounPhrase(StringBuilder sb, ref GenRandom r)
    {
        switch (NounPhrases.Pick(ref r))
        {
            case "N": Word(sb, Nouns.Pick(ref r)); break;
            case "J N": Word(sb, Adjectives.Pick(ref r)); Word(sb, Nouns.Pick(ref r)); break;
            case "J, J N": Word(sb, Adjectives.Pick(ref r)); sb.Append(','); Word(sb, Adjectives.Pick(ref r)); Word(sb, Nouns.Pick(ref r)); break;
            default: Word(sb, Adverbs.Pick(ref r)); Word(sb, Adjectives.Pick(ref r)); Word(sb, Nouns.Pick(ref r)); break;
        }
    }

    private static void VerbPhrase(StringBuilder sb, ref GenRandom r)
    {
        switch (VerbPhrases.Pick(ref r))
        {
            case "V": Word(sb, Verbs.Pick(ref r)); break;
            case "X V": Word(sb, Auxiliaries.Pick(ref r)); Word(sb, Verbs.Pick(ref r)); break;
            case "V D": Word(sb, Verbs.Pick(ref r)); Word(sb, Adverbs.Pick(ref r)); break;
            default: Word(sb, Auxiliaries.Pick(ref r)); Word(sb, Verbs.Pick(ref r)); Word(sb, Adverbs.Pick(ref r)); break;
        }
    }
}
