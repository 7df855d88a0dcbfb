/// GPT-2's pre-tokenisation, the pattern Hugging Face's ByteLevel pre-tokenizer uses:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// written out by hand over UTF-8 bytes (no regex engine): letters (L*), numbers (N*), whitespace (the
/// Unicode White_Space property, as Oniguruma's `\s`) and everything else. A byte that does not start a valid
/// UTF-8 sequence is a piece of "everything else" on its own, so any byte string splits — and round-trips.
struct PreTokenizer: Sendable {
    enum Class: UInt8 { case letter, number, space, other }

    /// Classes of the Basic Multilingual Plane, computed once (64 KB).
    static let table: [Class] = (0..<0x10000).map { v in
        guard let u = Unicode.Scalar(UInt32(v)) else { return .other }   // surrogates never decode
        return classify(u)
    }

    /// The table, held by each instance so the hot loop does not go through a global's lazy initialiser.
    let bmp: [Class] = PreTokenizer.table

    static func classify(_ u: Unicode.Scalar) -> Class {
        let p = u.properties
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// The class and byte length of the scalar at `i` (an invalid byte: `.other`, length 1).
    @inline(__always)
    func scalar(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Class, Int) {
        let b0 = t[i]
        if b0 < 0x80 { return (bmp[Int(b0)], 1) }
        let n = t.count
        if b0 >= 0xC2 && b0 <= 0xDF {
            guard i + 1 < n, t[i + 1] & 0xC0 == 0x80 else { return (.other, 1) }
            return (bmp[Int(b0 & 0x1F) << 6 | Int(t[i + 1] & 0x3F)], 2)
        }
        if b0 >= 0xE0 && b0 <= 0xEF {
            guard i + 2 < n, t[i + 1] & 0xC0 == 0x80, t[i + 2] & 0xC0 == 0x80 else { return (.other, 1) }
            let v = Int(b0 & 0x0F) << 12 | Int(t[i + 1] & 0x3F) << 6 | Int(t[i + 2] & 0x3F)
            guard v >= 0x800, !(0xD800...0xDFFF).contains(v) else { return (.other, 1) }
            return (bmp[v], 3)
        }
        if b0 >= 0xF0 && b0 <= 0xF4 {
            guard i + 3 < n, t[i + 1] & 0xC0 == 0x80, t[i + 2] & 0xC0 == 0x80, t[i + 3] & 0xC0 == 0x80 else { return (.other, 1) }
            let v = UInt32(b0 & 0x07) << 18 | UInt32(t[i + 1] & 0x3F) << 12 | UInt32(t[i + 2] & 0x3F) << 6 | UInt32(t[i + 3] & 0x3F)
            guard v >= 0x10000, v <= 0x10FFFF, let u = Unicode.Scalar(v) else { return (.other, 1) }
            return (Self.classify(u), 4)
        }
        return (.other, 1)
    }

    /// Calls `piece` with the byte range of each piece of `t[from..<to]`, in order; together they cover it.
    func split(_ t: UnsafeBufferPointer<UInt8>, from: Int = 0, to: Int? = nil, _ piece: (Int, Int) -> Void) {
        let n = to ?? t.count
        let u = UnsafeBufferPointer(rebasing: t[0..<n])
        var i = from
        while i < n {
            let end = pieceEnd(u, i)
            piece(i, end)
            i = end
        }
    }

    @inline(__always)
    func pieceEnd(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let n = t.count
        let b = t[i]
        if b == 0x27 && i + 1 < n {                            // 's 't 'm 'd 're 've 'll
            let c = t[i + 1]
            if c == 0x73 || c == 0x74 || c == 0x6D || c == 0x64 { return i + 2 }
            if i + 2 < n {
                let d = t[i + 2]
                if (c == 0x72 && d == 0x65) || (c == 0x76 && d == 0x65) || (c == 0x6C && d == 0x6C) { return i + 3 }
            }
        }
        var (cls, len) = scalar(t, i)
        var j = i
        if b == 0x20 && i + 1 < n {                            // " ?" before letters, numbers or other
            let (next, nextLen) = scalar(t, i + 1)
            if next != .space { cls = next; j = i + 1; len = nextLen }
        }
        if cls == .space {
            // \s+(?!\S): the run of whitespace, less its last scalar when a non-space follows; \s+ when
            // that leaves nothing.
            var k = i, last = i
            while k < n {
                let (c, l) = scalar(t, k)
                guard c == .space else { break }
                last = k
                k += l
            }
            return k == n || last == i ? k : last
        }
        j += len
        while j < n {
            let (c, l) = scalar(t, j)
            guard c == cls else { break }
            j += l
        }
        return j
    }
}
