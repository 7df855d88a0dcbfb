/// A byte-level BPE vocabulary: tokens as bytes, merges by rank, and the special (added) tokens. Immutable
/// and shared by all threads; each thread encodes through its own `BPEEncoder` (which keeps a cache).
public final class BPEModel: Sendable {
    /// id → the bytes the token stands for (a special token: its text).
    public let tokens: [[UInt8]]
    /// The merges in rank order: (left id, right id) → merged id.
    public let merges: [(left: Int32, right: Int32, merged: Int32)]
    /// Special tokens: text → id. Matched in text before pre-tokenisation when asked to.
    public let specials: [(text: [UInt8], id: Int32)]
    /// GPT-2's `add_prefix_space`: a space is put before a text that does not start with one.
    public let addPrefixSpace: Bool
    /// byte → id of its single-byte token.
    let byteToken: [Int32]
    let pairs: PairTable

    public enum Failure: Error, CustomStringConvertible {
        case missingByte(UInt8)
        case badMerge(Int, String)
        public var description: String {
            switch self {
            case .missingByte(let b): return "the vocabulary has no token for byte 0x\(String(b, radix: 16)); a byte-level BPE needs all 256"
            case .badMerge(let i, let why): return "merge \(i + 1): \(why)"
            }
        }
    }

    /// `tokens` and `merges` as in a tokenizer file; `specials` must be ids inside `tokens`.
    public init(tokens: [[UInt8]], merges: [(left: Int32, right: Int32, merged: Int32)], specials: [(text: [UInt8], id: Int32)],
                addPrefixSpace: Bool = false) throws {
        self.tokens = tokens
        self.merges = merges
        self.specials = specials.sorted { $0.text.count > $1.text.count }   // longest first where two start alike
        self.addPrefixSpace = addPrefixSpace
        let specialIds = Set(specials.map(\.id))
        var byteToken = [Int32](repeating: -1, count: 256)
        for (id, t) in tokens.enumerated() where t.count == 1 && !specialIds.contains(Int32(id)) {
            if byteToken[Int(t[0])] < 0 { byteToken[Int(t[0])] = Int32(id) }
        }
        if let missing = byteToken.firstIndex(of: -1) { throw Failure.missingByte(UInt8(missing)) }
        self.byteToken = byteToken
        var table = PairTable(capacity: merges.count)
        for (rank, m) in merges.enumerated() {
            guard m.left >= 0, m.right >= 0, m.merged >= 0, Int(m.merged) < tokens.count else { throw Failure.badMerge(rank, "token outside the vocabulary") }
            table.insertIfAbsent(left: m.left, right: m.right, rank: Int32(rank), merged: m.merged)
        }
        self.pairs = table
    }

    public var vocabularySize: Int { tokens.count }

    /// The id of a special token by its text.
    public func specialID(_ text: String) -> Int32? { specials.first { $0.text == Array(text.utf8) }?.id }

    /// The bytes of `ids`, special tokens included as their text (so encode → decode gives back the input).
    public func decode(_ ids: some Sequence<Int32>) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count { out += tokens[Int(id)] }
        return out
    }

    /// A stable fingerprint of the vocabulary, merges and specials: SHA-256 (hex) of a canonical listing —
    /// each token's bytes in id order, each merge's ids, each special's id and text, length-prefixed.
    public var fingerprint: String {
        var listing: [UInt8] = []
        func put(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { listing += $0 } }
        put(tokens.count); for t in tokens { put(t.count); listing += t }
        put(merges.count); for m in merges { put(Int(m.left)); put(Int(m.right)); put(Int(m.merged)) }
        put(specials.count); for s in specials.sorted(by: { $0.id < $1.id }) { put(Int(s.id)); put(s.text.count); listing += s.text }
        listing.append(addPrefixSpace ? 1 : 0)
        return SHA256.hash(listing).hex
    }
}

/// An open-addressing table from a pair of ids to (rank, merged id): the inner loop of encoding.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    /// Keeps the first (lowest-rank) entry for a pair, as Hugging Face does for a repeated merge.
    mutating func insertIfAbsent(left: Int32, right: Int32, rank: Int32, merged: Int32) {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var s = Self.slot(key, mask)
        while keys[s] != Self.empty {
            if keys[s] == key { return }
            s = (s + 1) & mask
        }
        keys[s] = key
        values[s] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    /// (rank, merged id), or nil when the pair is not a merge.
    @inline(__always) func lookup(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var s = Self.slot(key, mask)
        while true {
            let k = keys[s]
            if k == key { let v = values[s]; return (Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v)) }
            if k == Self.empty { return nil }
            s = (s + 1) & mask
        }
    }
}
