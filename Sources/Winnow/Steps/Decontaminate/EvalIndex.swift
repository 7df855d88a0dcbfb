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
        self.items = items; self.text = text; self.textStarts = textStarts
        self.hashes = hashes; self.owners = owners; self.directory = directory; self.directoryBits = bits
        self.shortLengths = lengths.sorted()
        self.stats = stats
    }

    /// The items whose n-gram (or whole short item) has hash `h`.
    func owners(of h: UInt64) -> ArraySlice<UInt32> {
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
    var bytes: Int { hashes.count * 12 + directory.count * 4 + text.count + textStarts.count * 8 }
}
