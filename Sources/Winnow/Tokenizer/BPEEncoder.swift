/// Encodes text with a `BPEModel`: special tokens (when allowed), then GPT-2 pre-tokenisation, then merges
/// applied to each piece the way Hugging Face's BPE does — always the lowest-rank pair, leftmost first.
/// One encoder per thread: it caches the ids of short pieces it has seen.
public struct BPEEncoder {
    public let model: BPEModel
    private var cache: [PieceKey: [Int32]] = [:]
    private var symbols: [Int32] = []
    private var ranks: [Int32] = []
    private static let cacheLimit = 1 << 18

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
        PreTokenizer.split(t, from: from, to: to) { a, b in encodePiece(t, a, b, into: &out) }
    }

    /// The ids of one piece (bytes a..<b of t).
    @inline(__always)
    mutating func encodePiece(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int, into out: inout [Int32]) {
        if b - a == 1 { out.append(model.byteToken[Int(t[a])]); return }
        let key = b - a <= 16 ? PieceKey(t, a, b) : nil
        if let key, let hit = cache[key] { out += hit; return }
        symbols.removeAll(keepingCapacity: true)
        for k in a..<b { symbols.append(model.byteToken[Int(t[k])]) }
        mergeSymbols()
        out += symbols
        if let key {
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = symbols
        }
    }

    /// Applies merges to `symbols` until none applies: each round merges the lowest-rank adjacent pair
    /// (the leftmost of equals).
    private mutating func mergeSymbols() {
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

/// Up to 16 bytes of a piece and its length, as a cache key (no allocation).
struct PieceKey: Hashable {
    let lo: UInt64, hi: UInt64, count: Int

    @inline(__always) init(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) {
        var lo: UInt64 = 0, hi: UInt64 = 0
        for k in a..<b {
            let shift = UInt64((k - a) & 7) * 8
            if k - a < 8 { lo |= UInt64(t[k]) << shift } else { hi |= UInt64(t[k]) << shift }
        }
        self.lo = lo; self.hi = hi; self.count = b - a
    }
}
