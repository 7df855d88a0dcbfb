import Foundation
/// Trains a byte-level BPE the way Hugging Face's `BpeTrainer` does with the ByteLevel alphabet, so the same
/// words give the same vocabulary: ids are the special tokens, then the 256 bytes in the order of their
/// byte-level characters, then one token per merge; each merge takes the most frequent pair (ties: the pair
/// of smaller ids), counted over the words' frequencies; training stops at `vocabSize` or when the best pair
/// occurs fewer than `minFrequency` times. Deterministic: no randomness, no dependence on hash order.
public struct BPETrainer {
    public var vocabSize: Int
    public var minFrequency: Int
    public var specials: [String]
    public var addPrefixSpace: Bool

    public init(vocabSize: Int, minFrequency: Int = 2, specials: [String] = ["<|endoftext|>"], addPrefixSpace: Bool = false) {
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        self.specials = specials
        self.addPrefixSpace = addPrefixSpace
    }

    /// Word (piece) frequencies of a text sample.
    public struct WordCounts {
        var short: [PieceKey: Int] = [:]
        var long: [[UInt8]: Int] = [:]
        var shortBytes: [PieceKey: [UInt8]] = [:]
        let addPrefixSpace: Bool

        public init(addPrefixSpace: Bool = false) { self.addPrefixSpace = addPrefixSpace }

        public mutating func add(_ text: String) {
            var t = text
            if addPrefixSpace && !t.hasPrefix(" ") { t = " " + t }
            t.withUTF8 { add(bytes: $0) }
        }

        public mutating func add(bytes t: UnsafeBufferPointer<UInt8>) {
            PreTokenizer().split(t) { a, b in
                if b - a <= 16 {
                    let key = PieceKey(t, a, b)
                    if let n = short[key] { short[key] = n + 1 } else { short[key] = 1; shortBytes[key] = Array(t[a..<b]) }
                } else {
                    long[Array(t[a..<b]), default: 0] += 1
                }
            }
        }

        public mutating func merge(_ other: WordCounts) {
            for (k, n) in other.short { if let m = short[k] { short[k] = m + n } else { short[k] = n; shortBytes[k] = other.shortBytes[k] } }
            for (k, n) in other.long { long[k, default: 0] += n }
        }

        public var distinct: Int { short.count + long.count }

        /// (bytes, count), sorted by bytes so training never depends on hash order.
        func sorted() -> [([UInt8], Int)] {
            var all = short.map { (shortBytes[$0.key]!, $0.value) } + long.map { ($0.key, $0.value) }
            all.sort { $0.0.lexicographicallyPrecedes($1.0) }
            return all
        }
    }

    public func train(_ counts: WordCounts, progress: ((Int) -> Void)? = nil) throws -> BPEModel {
        // Ids: specials, then the byte alphabet by byte-level character.
        var tokens: [[UInt8]] = specials.map { Array($0.utf8) }
        var specialList: [(text: [UInt8], id: Int32)] = []
        for (i, s) in specials.enumerated() { specialList.append((Array(s.utf8), Int32(i))) }
        let byteOrder = (0..<256).sorted { ByteLevel.scalarOfByte[$0] < ByteLevel.scalarOfByte[$1] }
        var byteId = [Int32](repeating: 0, count: 256)
        for b in byteOrder { byteId[b] = Int32(tokens.count); tokens.append([UInt8(b)]) }
        var idOf: [[UInt8]: Int32] = [:]
        for (i, t) in tokens.enumerated() where i >= specials.count { idOf[t] = Int32(i) }

        let list = counts.sorted()
        var words: [[Int32]] = list.map { w in w.0.map { byteId[Int($0)] } }
        let freq: [Int] = list.map(\.1)

        // Pair counts and the words each pair occurs in.
        var pairCount: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        @inline(__always) func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }
        for (w, syms) in words.enumerated() where syms.count > 1 {
            for k in 0..<(syms.count - 1) {
                let p = key(syms[k], syms[k + 1])
                pairCount[p, default: 0] += freq[w]
                if pairWords[p]?.last != Int32(w) { pairWords[p, default: []].append(Int32(w)) }
            }
        }
        var heap = BinaryHeap<MergeEntry>()
        for (p, n) in pairCount where n > 0 { heap.push(MergeEntry(count: n, pair: p)) }

        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        while tokens.count < vocabSize, let top = heap.pop() {
            let current = pairCount[top.pair] ?? 0
            if top.count != current {                       // stale: counts changed since it was pushed
                if current > 0 { heap.push(MergeEntry(count: current, pair: top.pair)) }
                continue
            }
            if current < max(1, minFrequency) { break }
            let left = Int32(truncatingIfNeeded: top.pair >> 32), right = Int32(truncatingIfNeeded: top.pair)
            let bytes = tokens[Int(left)] + tokens[Int(right)]
            let merged: Int32
            if let existing = idOf[bytes] { merged = existing } else { merged = Int32(tokens.count); tokens.append(bytes); idOf[bytes] = merged }
            merges.append((left, right, merged))
            progress?(tokens.count)

            // Merge the pair in every word holding it, adjusting the counts of neighbouring pairs.
            var touched: [UInt64: Int] = [:]
            for w32 in pairWords[top.pair] ?? [] {
                let w = Int(w32), f = freq[w]
                var syms = words[w]
                var k = 0
                var changed = false
                while k < syms.count - 1 {
                    guard syms[k] == left && syms[k + 1] == right else { k += 1; continue }
                    if k > 0 {
                        let old = key(syms[k - 1], left), new = key(syms[k - 1], merged)
                        pairCount[old, default: 0] -= f; pairCount[new, default: 0] += f
                        touched[new, default: 0] += f
                        if pairWords[new]?.last != w32 { pairWords[new, default: []].append(w32) }
                    }
                    if k + 2 < syms.count {
                        let old = key(right, syms[k + 2]), new = key(merged, syms[k + 2])
                        pairCount[old, default: 0] -= f; pairCount[new, default: 0] += f
                        touched[new, default: 0] += f
                        if pairWords[new]?.last != w32 { pairWords[new, default: []].append(w32) }
                    }
                    syms[k] = merged
                    syms.remove(at: k + 1)
                    changed = true
                    k += 1
                }
                if changed { words[w] = syms }
            }
            pairCount[top.pair] = 0
            pairWords[top.pair] = nil
            for p in touched.keys.sorted() where (pairCount[p] ?? 0) > 0 { heap.push(MergeEntry(count: pairCount[p]!, pair: p)) }
        }
        return try BPEModel(tokens: tokens, merges: merges, specials: specialList, addPrefixSpace: addPrefixSpace)
    }
}

/// A candidate merge: the higher count comes first, then the pair of smaller ids.
struct MergeEntry: HeapOrdered {
    let count: Int
    let pair: UInt64
    static func before(_ a: Self, _ b: Self) -> Bool { a.count != b.count ? a.count > b.count : a.pair < b.pair }
}

extension BPETrainer {
    /// Word counts of a set of files (JSONL's `field`, or each line of a `.txt` file), one file per task on
    /// `threads` threads, merged in input order.
        public static func countWords(_ inputs: [String], field: String, addPrefixSpace: Bool, threads: Int) throws -> (words: BPETrainer.WordCounts, texts: Int, bytes: Int) {
        final class Slot: @unchecked Sendable {
            var counts: BPETrainer.WordCounts
            var texts = 0, bytes = 0
            var error: Error?
            init(_ p: Bool) { counts = BPETrainer.WordCounts(addPrefixSpace: p) }
        }
        let slots = inputs.map { _ in Slot(addPrefixSpace) }
        let next = NSLock()
        nonisolated(unsafe) var cursor = 0
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, inputs.count))) { _ in
            while true {
                next.lock(); let i = cursor; cursor += 1; next.unlock()
                guard i < inputs.count else { return }
                let s = slots[i], path = inputs[i]
                do {
                    if path.hasSuffix(".txt") || path.hasSuffix(".txt.gz") || path.hasSuffix(".txt.zst") {
                        try JSONLTexts.forEachLine(path) { line in
                            s.texts += 1; s.bytes += line.count
                            if let t = String(validating: line, as: UTF8.self) { s.counts.add(t) } else { s.counts.add(bytes: line) }
                        }
                    } else {
                        try JSONLTexts.forEachText(path, field: field) { t in s.texts += 1; s.bytes += t.utf8.count; s.counts.add(t) }
                    }
                } catch { s.error = error }
            }
        }
        var total = BPETrainer.WordCounts(addPrefixSpace: addPrefixSpace)
        var texts = 0, bytes = 0
        for s in slots {
            if let e = s.error { throw e }
            total.merge(s.counts); texts += s.texts; bytes += s.bytes
        }
        return (total, texts, bytes)
    }
}
