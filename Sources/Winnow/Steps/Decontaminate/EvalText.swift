import Foundation

/// Text normalised for finding benchmark items in training documents, as the GPT-3 paper describes it: lower case,
/// punctuation and whitespace folded (they only separate tokens), Unicode NFKC, digits kept. A token is a run of
/// letters, digits and marks; in scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) every
/// character is a token, so n-grams work there too. The same function reads benchmark items and documents, so a
/// change of case, punctuation, spacing, line breaks or compatibility forms (full-width letters, ligatures) does not
/// hide an item.
enum EvalText {
    /// The tokens of `text`: for each, a 64-bit hash of its normalised form and its span in Unicode scalars.
    struct Tokens {
        var hashes: [UInt64] = []
        var starts: [Int] = []
        var ends: [Int] = []
        var count: Int { hashes.count }
    }

    private enum Class { case separator, single, word }

    private static func classify(_ u: Unicode.Scalar) -> Class {
        let v = u.value
        if v < 0x80 {
            if (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A || (v >= 0x30 && v <= 0x39) { return .word }
            return .separator
        }
        switch UnspacedScripts.kind(u) {
        case .single, .cluster, .katakana: return .single
        case .punctuation: return .separator
        case .mark: return .word
        case .other: break
        }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark: return .word
        default: return .separator
        }
    }

    /// A token's normalised form: NFKC, lower case, and with the punctuation, symbols and spaces NFKC can produce
    /// (`⑴` → `(1)`) left out. Words made only of ASCII and of letters and digits whose form is one scalar
    /// (`simple`) are mapped scalar by scalar; the rest go through Foundation.
    static func normalize(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        for u in scalars {
            let m = simpleForm(u)
            if m == 0 { return slowNormalize(scalars) }
            v.append(Unicode.Scalar(m)!)
        }
        return String(v)
    }

    static func slowNormalize(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var raw = String.UnicodeScalarView()
        raw.append(contentsOf: scalars)
        let folded = String(raw).precomposedStringWithCompatibilityMapping.lowercased()
        var out = String.UnicodeScalarView()
        for u in folded.unicodeScalars where classify(u) != .separator { out.append(u) }
        return String(out)
    }

    /// `u`'s normalised form when `u` is ASCII or in `simple`; 0 when the word it is in needs the whole computation.
    @inline(__always) static func simpleForm(_ u: Unicode.Scalar) -> UInt32 {
        let v = u.value
        if v < 0x80 { return v >= 0x41 && v <= 0x5A ? v | 0x20 : v }
        return v < 0x10000 ? simple[Int(v)] : 0
    }

    /// For each scalar of the Basic Multilingual Plane above ASCII: its normalised form (NFKC, then lower case) when
    /// that is one scalar and the scalar cannot combine with a neighbour under NFKC, else 0. Only letters and digits
    /// of combining class 0 qualify: not marks (which compose with what precedes them), not conjoining Hangul jamo,
    /// not capital sigma (whose lower case depends on where it stands in the word). Built once, from `slowNormalize`.
    private static let simple: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 0x10000)
        for v in 0x80..<0x10000 {
            guard let u = Unicode.Scalar(v), v != 0x3A3, !(0x1100...0x11FF).contains(v), !(0xA960...0xA97F).contains(v),
                  !(0xD7B0...0xD7FF).contains(v), u.properties.canonicalCombiningClass == .notReordered else { continue }
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber, .letterNumber, .otherNumber: break
            default: continue
            }
            let form = Array(slowNormalize([u][...]).unicodeScalars)
            if form.count == 1 { t[v] = form[0].value }
        }
        return t
    }()

    /// Calls `body` with the scalar span of each word of `s`, in order.
    private static func scan(_ s: [Unicode.Scalar], _ body: (Int, Int) -> Void) {
        var i = 0
        while i < s.count {
            switch classify(s[i]) {
            case .separator: i += 1
            case .single:
                var j = i + 1
                while j < s.count, s[j].value >= 0x80, UnspacedScripts.kind(s[j]) == .mark { j += 1 }
                body(i, j); i = j
            case .word:
                var j = i + 1
                while j < s.count, classify(s[j]) == .word { j += 1 }
                body(i, j); i = j
            }
        }
    }

    /// Tokens of `text` with their spans.
    static func tokens(_ text: String) -> Tokens { tokens(Array(text.unicodeScalars)) }

    /// Tokens of a text given as its scalars, with their spans.
    static func tokens(_ s: [Unicode.Scalar]) -> Tokens {
        var t = Tokens()
        t.hashes.reserveCapacity(s.count / 5)
        t.starts.reserveCapacity(s.count / 5)
        t.ends.reserveCapacity(s.count / 5)
        var buffer = [UInt8](repeating: 0, count: 256)
        scan(s) { a, b in
            // Words whose scalars all have a simple form (most of them) are written as UTF-8 into a buffer and
            // hashed from it: the same bytes, so the same hash, as `hash(normalize(…))`, without making a String.
            var n = 0
            for k in a..<b {
                let m = simpleForm(s[k])
                if m == 0 || n + 3 > buffer.count { n = -1; break }
                if m < 0x80 { buffer[n] = UInt8(m); n += 1 }
                else if m < 0x800 { buffer[n] = UInt8(0xC0 | m >> 6); buffer[n + 1] = UInt8(0x80 | m & 0x3F); n += 2 }
                else { buffer[n] = UInt8(0xE0 | m >> 12); buffer[n + 1] = UInt8(0x80 | (m >> 6) & 0x3F); buffer[n + 2] = UInt8(0x80 | m & 0x3F); n += 3 }
            }
            if n >= 0 {
                let h = buffer.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<n]), seed: seed) }
                t.hashes.append(h); t.starts.append(a); t.ends.append(b)
                return
            }
            let norm = slowNormalize(s[a..<b])
            guard !norm.isEmpty else { return }
            t.hashes.append(hash(norm)); t.starts.append(a); t.ends.append(b)
        }
        return t
    }

    /// The normalised words of `text` (an item's, kept for checking a hash match against the real text).
    static func words(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var out: [String] = []
        scan(s) { a, b in
            let w = normalize(s[a..<b])
            if !w.isEmpty { out.append(w) }
        }
        return out
    }

    static let seed: UInt64 = 0x6465636F6E74
    static func hash(_ token: String) -> UInt64 { XXHash64.hash(token, seed: seed) }

    /// The hash of a run of `length` token hashes (a polynomial in them, then mixed, with the length folded in).
    static let base: UInt64 = 0x100000001B3
    static func power(_ n: Int) -> UInt64 { var p: UInt64 = 1; for _ in 0..<n { p = p &* base }; return p }
    @inline(__always) static func finish(_ h: UInt64, length: Int) -> UInt64 {
        var x = h ^ (UInt64(length) &* 0x9E3779B97F4A7C15)
        x = (x ^ (x >> 30)) &* 0xBF58476D1CE4E5B9
        x = (x ^ (x >> 27)) &* 0x94D049BB133111EB
        return x ^ (x >> 31)
    }

    /// Every `length`-gram hash of `hashes`, in order (`hashes.count - length + 1` of them).
    static func grams(_ hashes: [UInt64], length: Int) -> [UInt64] {
        guard length > 0, hashes.count >= length else { return [] }
        let top = power(length - 1)
        var out: [UInt64] = []
        out.reserveCapacity(hashes.count - length + 1)
        var h: UInt64 = 0
        for k in 0..<length { h = h &* base &+ hashes[k] }
        out.append(finish(h, length: length))
        var k = length
        while k < hashes.count {
            h = (h &- hashes[k - length] &* top) &* base &+ hashes[k]
            out.append(finish(h, length: length))
            k += 1
        }
        return out
    }
}
