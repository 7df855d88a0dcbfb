import Foundation

/// The benchmark items a `decontaminate` step looks for, as n-gram hashes in one sorted table (12 bytes per n-gram
/// and item), built once when the step is built and then only read, by every worker at once. Each item's normalised
/// words are kept too (one buffer), so a hash match is checked against the item's real words before it counts: a
/// hash collision never drops a document.
final class EvalIndex: @unchecked Sendable {
    struct Item { let benchmark: Int; let id: String }
    let benchmarks: [String]
    let items: [Item]
    let n: Int
    /// Lengths of the items shorter than n that are matched whole (each is looked for as a run of that many words).
    let shortLengths: [Int]
    /// Sorted n-gram hashes and, beside each, the item it came from (a hash in several items appears once per item).
    private let hashes: [UInt64]
    private let owners: [UInt32]
    /// Where the entries whose hash starts with each `directoryBits`-bit prefix begin.
    private let directory: [UInt32]
    private let directoryBits: Int
    /// A split-block Bloom filter over the table's distinct hashes (Parquet's: 256-bit blocks, each hash setting one
    /// bit in each of a block's eight 32-bit words, ~12 bits per hash): most of a document's n-grams are in no item,
    /// and the filter says so from one cache line, where the directory and the binary search would read two or three.
    private let filter: [UInt32]
    private let filterBlocks: UInt64
    private static let salts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31)
    /// Items' normalised words, joined by single spaces, one after another; `textStarts[i]..<textStarts[i + 1]`.
    private let text: [UInt8]
    private let textStarts: [Int]

    struct Stats { var items = 0, tooShort = 0, ngrams = 0, common = 0, stopListed = 0 }
    let stats: Stats

    /// Builds the index. `itemsByBenchmark[b]`: benchmark b's items (id, text); items with fewer than `minTokens`
    /// words are left out; an n-gram found in more than `maxItems` items, or in a `stopText`, is not looked for.
    init(benchmarks: [String], itemsByBenchmark: [[(id: String, text: String)]], n: Int, minTokens: Int, maxItems: Int?, stopTexts: [String]) {
        self.benchmarks = benchmarks
        self.n = n
        var items: [Item] = []
        var text: [UInt8] = []
        var textStarts: [Int] = [0]
        var entries: [(UInt64, UInt32)] = []
        var lengths = Set<Int>()
        var stats = Stats()
        for (b, list) in itemsByBenchmark.enumerated() {
            for (id, body) in list {
                let words = EvalText.words(body)
                guard words.count >= minTokens, !words.isEmpty else { stats.tooShort += 1; continue }
                let index = UInt32(items.count)
                items.append(Item(benchmark: b, id: id))
                text += Array(words.joined(separator: " ").utf8)
                textStarts.append(text.count)
                let hashes = words.map(EvalText.hash)
                let length = min(n, words.count)
                if length < n { lengths.insert(length) }
                for g in Set(EvalText.grams(hashes, length: length)) { entries.append((g, index)) }
            }
        }
        stats.items = items.count
        // Stop-listed n-grams (boilerplate such as "all of the above"): every run of each looked-for length in them.
        var stopped = Set<UInt64>()
        for t in stopTexts {
            let h = EvalText.tokens(t).hashes
            for l in [n] + lengths.sorted() { stopped.formUnion(EvalText.grams(h, length: l)) }
        }
        entries.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var hashes: [UInt64] = [], owners: [UInt32] = []
        hashes.reserveCapacity(entries.count); owners.reserveCapacity(entries.count)
        var i = 0
        while i < entries.count {
            var j = i + 1
            while j < entries.count, entries[j].0 == entries[i].0 { j += 1 }
            if stopped.contains(entries[i].0) { stats.stopListed += 1 }
            else if let m = maxItems, j - i > m { stats.common += 1 }
            else { for k in i..<j { hashes.append(entries[k].0); owners.append(entries[k].1) } ; stats.ngrams += 1 }
            i = j
        }
        var bits = 8
        while bits < 24, (1 << bits) < hashes.count / 4 { bits += 1 }
        var directory = [UInt32](repeating: 0, count: (1 << bits) + 1)
        var k = 0
        for prefix in 0...(1 << bits) {
            while k < hashes.count, Int(hashes[k] >> UInt64(64 - bits)) < prefix { k += 1 }
            directory[prefix] = UInt32(k)
        }
        var distinct = 0
        for k in hashes.indices where k == 0 || hashes[k] != hashes[k - 1] { distinct += 1 }
        let blocks = max(1, (distinct * 12 + 255) / 256)
        var filter = [UInt32](repeating: 0, count: blocks * 8)
        for h in hashes {
            let (b, bits) = Self.block(h, blocks: UInt64(blocks))
            for w in 0..<8 { filter[b + w] |= bits[w] }
        }
        self.filter = filter; self.filterBlocks = UInt64(blocks)
        self.items = items; self.text = text; self.textStarts = textStarts
        self.hashes = hashes; self.owners = owners; self.directory = directory; self.directoryBits = bits
        self.shortLengths = lengths.sorted()
        self.stats = stats
    }

    /// Hash `h`'s filter block (its first word's index) and the bit it sets in each of the block's eight words.
    @inline(__always) private static func block(_ h: UInt64, blocks: UInt64) -> (Int, [UInt32]) {
        let b = Int(((h >> 32) &* blocks) >> 32) * 8
        let key = UInt32(truncatingIfNeeded: h)
        let s = salts
        return (b, [s.0, s.1, s.2, s.3, s.4, s.5, s.6, s.7].map { 1 << ((key &* $0) >> 27) })
    }

    /// False when no item has n-gram hash `h`; true when one may.
    @inline(__always) func mayContain(_ h: UInt64) -> Bool {
        let b = Int(((h >> 32) &* filterBlocks) >> 32) * 8
        let key = UInt32(truncatingIfNeeded: h)
        let s = Self.salts
        return filter.withUnsafeBufferPointer { f in
            f[b] & 1 << ((key &* s.0) >> 27) != 0 && f[b + 1] & 1 << ((key &* s.1) >> 27) != 0
                && f[b + 2] & 1 << ((key &* s.2) >> 27) != 0 && f[b + 3] & 1 << ((key &* s.3) >> 27) != 0
                && f[b + 4] & 1 << ((key &* s.4) >> 27) != 0 && f[b + 5] & 1 << ((key &* s.5) >> 27) != 0
                && f[b + 6] & 1 << ((key &* s.6) >> 27) != 0 && f[b + 7] & 1 << ((key &* s.7) >> 27) != 0
        }
    }

    /// The items whose n-gram (or whole short item) has hash `h`.
    func owners(of h: UInt64) -> ArraySlice<UInt32> {
        guard mayContain(h) else { return owners[0..<0] }
        let prefix = Int(h >> UInt64(64 - directoryBits))
        var lo = Int(directory[prefix]), hi = Int(directory[prefix + 1])
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashes[mid] < h { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < hashes.count, hashes[end] == h { end += 1 }
        return owners[lo..<end]
    }

    /// Item `i`'s normalised words.
    func words(of i: Int) -> [Substring] {
        String(decoding: text[textStarts[i]..<textStarts[i + 1]], as: UTF8.self).split(separator: " ").map { $0 }
    }

    /// Bytes the index holds (table, directory, item words), for the step's report.
    var bytes: Int { hashes.count * 12 + directory.count * 4 + filter.count * 4 + text.count + textStarts.count * 8 }
}
