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

    /// A token's normalised form: ASCII lower-cased directly; anything else NFKC, lower case, and with the
    /// punctuation, symbols and spaces NFKC can produce (`⑴` → `(1)`) left out.
    static func normalize(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        if scalars.allSatisfy({ $0.value < 0x80 }) {
            var v = String.UnicodeScalarView()
            for u in scalars { v.append(u.value >= 0x41 && u.value <= 0x5A ? Unicode.Scalar(u.value | 0x20)! : u) }
            return String(v)
        }
        var raw = String.UnicodeScalarView()
        raw.append(contentsOf: scalars)
        let folded = String(raw).precomposedStringWithCompatibilityMapping.lowercased()
        var out = String.UnicodeScalarView()
        for u in folded.unicodeScalars where classify(u) != .separator { out.append(u) }
        return String(out)
    }

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
    static func tokens(_ text: String) -> Tokens {
        let s = Array(text.unicodeScalars)
        var t = Tokens()
        t.hashes.reserveCapacity(s.count / 5)
        t.starts.reserveCapacity(s.count / 5)
        t.ends.reserveCapacity(s.count / 5)
        var ascii = [UInt8](repeating: 0, count: 64)
        scan(s) { a, b in
            // ASCII words (most of them) are lower-cased into a buffer and hashed as is: the same bytes, so the same
            // hash, as `hash(normalize(…))`, without making a String.
            if b - a <= ascii.count, s[a..<b].allSatisfy({ $0.value < 0x80 }) {
                for k in a..<b { let v = UInt8(s[k].value); ascii[k - a] = v >= 0x41 && v <= 0x5A ? v | 0x20 : v }
                let h = ascii.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<(b - a)]), seed: seed) }
                t.hashes.append(h); t.starts.append(a); t.ends.append(b)
                return
            }
            let norm = normalize(s[a..<b])
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
