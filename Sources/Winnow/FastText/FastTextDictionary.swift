import Foundation

/// fastText's dictionary: words and labels (byte strings), the character n-grams of each word hashed into
/// `bucket` rows after the words, and the pruning map of quantized models.
struct FastTextDictionary: Sendable {
    static let eos: [UInt8] = Array("</s>".utf8)
    static let labelPrefix: [UInt8] = Array("__label__".utf8)
    /// `</s>` in memory that lives as long as the program (tokens are buffer views).
    nonisolated(unsafe) static let eosStorage: UnsafeBufferPointer<UInt8> = {
        let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4)
        _ = p.initialize(from: eos)
        return UnsafeBufferPointer(p)
    }()

    let counts: [Int64]
    let isLabel: [Bool]
    let nwords: Int
    let nlabels: Int
    let minn: Int, maxn: Int, bucket: Int, wordNgrams: Int
    /// -1: not pruned; otherwise n-gram bucket → row among the kept n-grams.
    let pruneSize: Int64
    let prune: [Int32: Int32]
    /// The input rows of each word — itself, then its character n-grams — as ranges of one flat array.
    private(set) var subwordRows: [Int32] = []
    private(set) var subwordStart: [Int32] = []
    /// Every entry's bytes, back to back, and where each starts (entry i: entryStart[i]..<entryStart[i+1]).
    private let entryBytes: [UInt8]
    private let entryStart: [Int32]
    /// Open-addressing table of entry ids by fastText's hash.
    private let slots: [Int32]
    private let slotMask: Int

    init(_ r: inout FastTextReader, args: FastTextArgs) throws {
        let size = Int(try r.int32("dictionary size"))
        nwords = Int(try r.int32("dictionary word count"))
        nlabels = Int(try r.int32("dictionary label count"))
        _ = try r.int64("dictionary token count")
        pruneSize = try r.int64("dictionary prune size")
        guard size >= 0, nwords >= 0, nlabels >= 0, nwords + nlabels == size, size < 1 << 28 else {
            throw r.fail("dictionary: \(size) entries is not \(nwords) words + \(nlabels) labels")
        }
        var entries: [[UInt8]] = [], counts: [Int64] = [], isLabel: [Bool] = []
        entries.reserveCapacity(size)
        for i in 0..<size {
            entries.append(try r.cString("dictionary entry \(i)"))
            counts.append(try r.int64("dictionary entry \(i) count"))
            isLabel.append(try r.uint8("dictionary entry \(i) type") == 1)
        }
        var prune: [Int32: Int32] = [:]
        if pruneSize > 0 {
            guard pruneSize < 1 << 32 else { throw r.fail("dictionary: impossible prune size \(pruneSize)") }
            try r.need(Int(pruneSize) * 8, "dictionary prune map")
            for _ in 0..<Int(pruneSize) { prune[try r.int32("prune key")] = try r.int32("prune value") }
        }
        self.counts = counts; self.isLabel = isLabel; self.prune = prune
        minn = args.minn; maxn = args.maxn; bucket = args.bucket; wordNgrams = args.wordNgrams
        var cap = 16
        while cap < size * 2 { cap <<= 1 }
        slotMask = cap - 1
        var slots = [Int32](repeating: -1, count: cap)
        for (i, e) in entries.enumerated() {
            var j = Int(Self.hash(e[...])) & (cap - 1)
            while slots[j] >= 0 { j = (j + 1) & (cap - 1) }
            slots[j] = Int32(i)
        }
        self.slots = slots
        var bytes: [UInt8] = [], starts: [Int32] = [0]
        for e in entries { bytes.append(contentsOf: e); starts.append(Int32(bytes.count)) }
        entryBytes = bytes; entryStart = starts
        var rows: [Int32] = [], rowStart: [Int32] = [0]
        for (i, e) in entries.enumerated() where i < nwords {
            rows.append(Int32(i))
            if e != Self.eos { e.withUnsafeBufferPointer { computeSubwords(word: $0, into: &rows) } }
            rowStart.append(Int32(rows.count))
        }
        subwordRows = rows; subwordStart = rowStart
    }

    /// fastText's FNV-1a over the bytes, each taken as a signed char (as its released models were trained).
    @inline(__always) static func hash(_ s: ArraySlice<UInt8>) -> UInt32 {
        var h: UInt32 = 2166136261
        for b in s { h = (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: b)))) &* 16777619 }
        return h
    }

    func id(_ token: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int {
        entryBytes.withUnsafeBufferPointer { all in
            var j = Int(h) & slotMask
            while true {
                let i = Int(slots[j])
                if i < 0 { return -1 }
                let a = Int(entryStart[i]), b = Int(entryStart[i + 1])
                if b - a == token.count && (token.isEmpty || memcmp(all.baseAddress! + a, token.baseAddress!, token.count) == 0) { return i }
                j = (j + 1) & slotMask
            }
        }
    }

    @inline(__always) func pushHash(_ id: Int32, into out: inout [Int32]) {
        var id = id
        if pruneSize == 0 || id < 0 { return }
        if pruneSize > 0 {
            guard let mapped = prune[id] else { return }
            id = mapped
        }
        out.append(Int32(nwords) + id)
    }

    /// The character n-grams (minn…maxn characters, UTF-8 aware) of `<word>`, hashed into buckets. The
    /// brackets are virtual: position 0 is "<", positions 1…count are the word, count+1 is ">".
    func computeSubwords(word: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        guard maxn > 0, bucket > 0 else { return }
        let n = word.count + 2
        @inline(__always) func at(_ k: Int) -> UInt8 { k == 0 ? 0x3C : k == n - 1 ? 0x3E : word[k - 1] }
        @inline(__always) func mix(_ h: UInt32, _ b: UInt8) -> UInt32 { (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: b)))) &* 16777619 }
        let bucket32 = UInt32(bucket)
        for i in 0..<n where at(i) & 0xC0 != 0x80 {
            var h: UInt32 = 2166136261
            var j = i, chars = 1
            while j < n && chars <= maxn {
                h = mix(h, at(j))
                j += 1
                while j < n && at(j) & 0xC0 == 0x80 { h = mix(h, at(j)); j += 1 }
                if chars >= minn && !(chars == 1 && (i == 0 || j == n)) {
                    pushHash(Int32(h % bucket32), into: &out)
                }
                chars += 1
            }
        }
    }

    /// The input rows for one line, as fastText's `getLine` finds them: tokens split on ASCII whitespace and
    /// NUL, a newline read as the end-of-sentence token `</s>` (which ends the line), unknown words by their
    /// n-grams, then word n-grams of the token hashes.
    func inputRows(_ text: UnsafeBufferPointer<UInt8>) -> [Int32] {
        var rows: [Int32] = []
        var hashes: [Int32] = []
        let n = text.count
        var i = 0
        @inline(__always) func isSpace(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == 0x0B || c == 0x0C || c == 0
        }
        let eosHash = Self.hash(Self.eos[...])
        let eosBytes = Self.eosStorage
        while true {
            // readWord: skip separators (a newline before any byte is </s>), then take bytes up to one.
            var start = -1
            var isEOS = false
            while i < n {
                let c = text[i]
                if isSpace(c) {
                    if c == 0x0A { isEOS = true; i += 1; break }
                    i += 1
                } else { start = i; break }
            }
            if !isEOS && start < 0 { break }
            let token: UnsafeBufferPointer<UInt8>
            var h: UInt32
            if isEOS {
                token = eosBytes; h = eosHash
            } else {
                while i < n && !isSpace(text[i]) { i += 1 }
                token = UnsafeBufferPointer(rebasing: text[start..<i])
                h = 2166136261
                for b in token { h = (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: b)))) &* 16777619 }
            }
            let tokenIsEOS = isEOS || (token.count == 4 && token.elementsEqual(Self.eos))
            let wid = id(token, hash: h)
            let label = wid < 0 ? token.starts(with: Self.labelPrefix) : isLabel[wid]
            if !label {
                if wid < 0 {
                    if !tokenIsEOS { computeSubwords(word: token, into: &rows) }
                } else if maxn <= 0 {
                    rows.append(Int32(wid))
                } else {
                    let a = Int(subwordStart[wid]), b = Int(subwordStart[wid + 1])
                    subwordRows.withUnsafeBufferPointer { rows.append(contentsOf: UnsafeBufferPointer(rebasing: $0[a..<b])) }
                }
                hashes.append(Int32(bitPattern: h))
            }
            if tokenIsEOS { break }
        }
        if wordNgrams > 1, bucket > 0 {
            for a in 0..<hashes.count {
                var h = UInt64(bitPattern: Int64(hashes[a]))
                var b = a + 1
                while b < hashes.count && b < a + wordNgrams {
                    h = h &* 116049371 &+ UInt64(bitPattern: Int64(hashes[b]))
                    pushHash(Int32(truncatingIfNeeded: h % UInt64(bucket)), into: &rows)
                    b += 1
                }
            }
        }
        return rows
    }

    func label(_ i: Int) -> String {
        String(decoding: entryBytes[Int(entryStart[nwords + i])..<Int(entryStart[nwords + i + 1])], as: UTF8.self)
    }
    var labelCounts: [Int64] { Array(counts[nwords...]) }
}
