import Dispatch
import Foundation

/// Encodes text with a `BPEModel`: special tokens (when allowed), then GPT-2 pre-tokenisation, then merges
/// applied to each piece the way Hugging Face's BPE does — always the lowest-rank pair, leftmost first.
/// One encoder per thread: it caches the ids of short pieces it has seen.
public struct BPEEncoder {
    public let model: BPEModel
    private var cache = PieceCache()
    private let pre = PreTokenizer()
    private var symbols: [Int32] = []
    private var ranks: [Int32] = []

    public init(model: BPEModel) { self.model = model }

    /// The ids of `text`. With `allowSpecial`, a special token's text inside it becomes that token (as Hugging
    /// Face's `encode` does); without, it is ordinary text — what training shards want, since a document that
    /// quotes "<|endoftext|>" must not end early.
    public mutating func encode(_ text: String, allowSpecial: Bool = false) -> [Int32] {
        var t = text
        var out: [Int32] = []
        t.withUTF8 { encode(bytes: $0, allowSpecial: allowSpecial, into: &out) }
        return out
    }

    public mutating func encode(bytes: UnsafeBufferPointer<UInt8>, allowSpecial: Bool = false, into out: inout [Int32]) {
        if model.addPrefixSpace && (bytes.isEmpty || bytes[0] != 0x20) {
            var spaced: [UInt8] = [0x20]
            spaced.append(contentsOf: bytes)
            spaced.withUnsafeBufferPointer { encodeSegments($0, allowSpecial: allowSpecial, into: &out) }
        } else {
            encodeSegments(bytes, allowSpecial: allowSpecial, into: &out)
        }
    }

    private mutating func encodeSegments(_ t: UnsafeBufferPointer<UInt8>, allowSpecial: Bool, into out: inout [Int32]) {
        guard allowSpecial, !model.specials.isEmpty else { encodeOrdinary(t, 0, t.count, into: &out); return }
        var start = 0, i = 0
        while i < t.count {
            if let s = model.specials.first(where: { i + $0.text.count <= t.count && t[i] == $0.text[0] && zip(t[i...], $0.text).allSatisfy { $0 == $1 } }) {
                encodeOrdinary(t, start, i, into: &out)
                out.append(s.id)
                i += s.text.count
                start = i
            } else {
                i += 1
            }
        }
        encodeOrdinary(t, start, t.count, into: &out)
    }

    private mutating func encodeOrdinary(_ t: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, into out: inout [Int32]) {
        guard from < to else { return }
        pre.split(t, from: from, to: to) { a, b in encodePiece(t, a, b, into: &out) }
    }

    /// The ids of one piece's bytes, merged by the rescanning loop (heapFrom: Int.max) or the heap (0).
    mutating func mergePiece(_ bytes: [UInt8], heapFrom: Int) -> [Int32] {
        symbols = bytes.map { model.byteToken[Int($0)] }
        mergeSymbols(heapFrom: heapFrom)
        return symbols
    }

    /// The ids of one piece (bytes a..<b of t).
    @inline(__always)
    mutating func encodePiece(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int, into out: inout [Int32]) {
        if b - a == 1 { out.append(model.byteToken[Int(t[a])]); return }
        let key = b - a <= 16 ? PieceKey(t, a, b) : nil
        if let key, cache.append(key, to: &out) { return }
        symbols.removeAll(keepingCapacity: true)
        for k in a..<b { symbols.append(model.byteToken[Int(t[k])]) }
        mergeSymbols()
        out += symbols
        if let key { cache.insert(key, symbols) }
    }

    /// Applies merges to `symbols` until none applies: each round merges the lowest-rank adjacent pair
    /// (the leftmost of equals). Short pieces rescan their pairs each round; long ones (a run of letters with
    /// no space can be megabytes) use a heap, so a piece costs n log n, not n².
    mutating func mergeSymbols(heapFrom: Int = 64) {
        if symbols.count > heapFrom { mergeWithHeap(); return }
        let pairs = model.pairs
        ranks.removeAll(keepingCapacity: true)
        for k in 0..<(symbols.count - 1) { ranks.append(pairs.lookup(symbols[k], symbols[k + 1])?.rank ?? Int32.max) }
        while symbols.count > 1 {
            var best = Int32.max, at = -1
            for k in 0..<ranks.count where ranks[k] < best { best = ranks[k]; at = k }
            guard at >= 0, let m = pairs.lookup(symbols[at], symbols[at + 1]) else { return }
            symbols[at] = m.merged
            symbols.remove(at: at + 1)
            ranks.remove(at: at)
            if at > 0 { ranks[at - 1] = pairs.lookup(symbols[at - 1], symbols[at])?.rank ?? Int32.max }
            if at < ranks.count { ranks[at] = pairs.lookup(symbols[at], symbols[at + 1])?.rank ?? Int32.max }
        }
    }
}

extension BPEEncoder {
    /// Encodes `count` texts on as many threads as there are `encoders` (each keeps its own cache across
    /// calls); texts are handed out in chunks of 256 so long and short ones balance. `encodeOne` encodes text k.
    public static func encodeAll(count: Int, encoders: inout [BPEEncoder], _ encodeOne: (inout BPEEncoder, Int) -> [Int32]) -> [[Int32]] {
        var results = [[Int32]](repeating: [], count: count)
        let chunk = 256, lock = NSLock()
        nonisolated(unsafe) var cursor = 0
        results.withUnsafeMutableBufferPointer { res in
            encoders.withUnsafeMutableBufferPointer { enc in
                let r = res, e = enc
                DispatchQueue.concurrentPerform(iterations: max(1, e.count)) { w in
                    while true {
                        lock.lock(); let a = cursor; cursor += chunk; lock.unlock()
                        guard a < count else { return }
                        for k in a..<min(a + chunk, count) { r[k] = encodeOne(&e[w], k) }
                    }
                }
            }
        }
        return results
    }

    /// The same merges as the rescanning loop, through a min-heap of (rank, position) with stale entries skipped
    /// — Hugging Face's way; a position is the left symbol's original index, so equal ranks go leftmost first.
    fileprivate mutating func mergeWithHeap() {
        let pairs = model.pairs
        let n = symbols.count
        var next = Array(1...n), prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = BinaryHeap<RankEntry>()
        for i in 0..<(n - 1) { if let m = pairs.lookup(symbols[i], symbols[i + 1]) { heap.push(RankEntry(m.rank, Int32(i))) } }
        while let e = heap.pop() {
            let i = Int(e.pos), rank = e.rank
            guard alive[i], next[i] < n, let m = pairs.lookup(symbols[i], symbols[next[i]]), m.rank == rank else { continue }
            let j = next[i]
            symbols[i] = m.merged
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            if prev[i] >= 0, let l = pairs.lookup(symbols[prev[i]], symbols[i]) { heap.push(RankEntry(l.rank, Int32(prev[i]))) }
            if next[i] < n, let r = pairs.lookup(symbols[i], symbols[next[i]]) { heap.push(RankEntry(r.rank, Int32(i))) }
        }
        var k = 0, out = 0
        while k < n { symbols[out] = symbols[k]; out += 1; k = next[k] }
        symbols.removeLast(n - out)
    }
}

/// (rank, position) packed into one integer: the smaller comes first.
struct RankEntry: HeapOrdered {
    let packed: UInt64
    init(_ rank: Int32, _ pos: Int32) { packed = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: pos)) }
    var rank: Int32 { Int32(truncatingIfNeeded: packed >> 32) }
    var pos: Int32 { Int32(truncatingIfNeeded: packed) }
    static func before(_ a: Self, _ b: Self) -> Bool { a.packed < b.packed }
}

/// Elements that know which of two comes out of a `BinaryHeap` first.
protocol HeapOrdered { static func before(_ a: Self, _ b: Self) -> Bool }

/// A binary heap: `pop` gives the element that comes before all others.
struct BinaryHeap<Element: HeapOrdered> {
    private var items: [Element] = []

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Element.before(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Element.before(items[l], items[m]) { m = l }
                if r < items.count && Element.before(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

/// The ids of short pieces already encoded: an open-addressing table of keys into one arena of ids (no
/// per-entry arrays, so no reference counting on the hot path). Emptied when full.
struct PieceCache {
    private static let slots = 1 << 18
    private var keys = [PieceKey](repeating: PieceKey(lo: 0, hi: 0, count: 0), count: slots)
    private var spans = [UInt64](repeating: 0, count: slots)           // arena offset << 16 | length
    private var arena: [Int32] = []
    private var used = 0

    @inline(__always) private static func slot(_ k: PieceKey) -> Int {
        Int(truncatingIfNeeded: ((k.lo &* 0x9E37_79B9_7F4A_7C15) ^ (k.hi &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(k.count)) >> 46) & (slots - 1)
    }

    /// Appends the cached ids of `k` to `out`; false when `k` is not cached.
    @inline(__always) mutating func append(_ k: PieceKey, to out: inout [Int32]) -> Bool {
        var s = Self.slot(k)
        while keys[s].count != 0 {
            if keys[s] == k {
                let span = spans[s], start = Int(span >> 16), n = Int(span & 0xFFFF)
                arena.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<(start + n)])) }
                return true
            }
            s = (s + 1) & (Self.slots - 1)
        }
        return false
    }

    mutating func insert(_ k: PieceKey, _ ids: [Int32]) {
        if used * 2 >= Self.slots || arena.count > 1 << 24 {
            for i in 0..<Self.slots { keys[i] = PieceKey(lo: 0, hi: 0, count: 0) }
            arena.removeAll(keepingCapacity: true)
            used = 0
        }
        var s = Self.slot(k)
        while keys[s].count != 0 { if keys[s] == k { return }; s = (s + 1) & (Self.slots - 1) }
        keys[s] = k
        spans[s] = UInt64(arena.count) << 16 | UInt64(ids.count)
        arena += ids
        used += 1
    }
}

/// Up to 16 bytes of a piece and its length, as a cache key (no allocation).
struct PieceKey: Hashable {
    let lo: UInt64, hi: UInt64, count: Int

    init(lo: UInt64, hi: UInt64, count: Int) { self.lo = lo; self.hi = hi; self.count = count }

    @inline(__always) init(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) {
        var lo: UInt64 = 0, hi: UInt64 = 0
        for k in a..<b {
            let shift = UInt64((k - a) & 7) * 8
            if k - a < 8 { lo |= UInt64(t[k]) << shift } else { hi |= UInt64(t[k]) << shift }
        }
        self.lo = lo; self.hi = hi; self.count = b - a
    }
}
