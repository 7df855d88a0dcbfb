/// Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar). The English
/// word rules (and so datatrove's English pipeline) read a whole run of them as one enormous "word"; with
/// `segment_unspaced` (the default of the word-based quality steps) Winnow splits such words further, the way
/// Unicode's word-boundary rules (UAX #29) do without a dictionary:
/// - every Han ideograph and every hiragana character is a word;
/// - a run of katakana (with the prolonged-sound mark) is one word;
/// - Thai, Lao, Khmer and Myanmar: every base character with its combining marks is a word (no dictionary is
///   shipped, so these come out as syllable-sized pieces rather than dictionary words);
/// - CJK and full-width punctuation is a word of its own; everything else in the word stays together.
/// Korean uses spaces and is left alone.
enum UnspacedScripts {
    enum Kind { case other, single, katakana, cluster, punctuation, mark }

    static func kind(_ u: Unicode.Scalar) -> Kind {
        let v = u.value
        switch v {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F, 0x3005, 0x3007: return .single
        case 0x3041...0x309F: return .single
        case 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return .katakana
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF:
            switch u.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return .mark
            default: return .cluster
            }
        case 0x3000...0x303F, 0xFF00...0xFF65:
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .decimalNumber, .otherLetter, .modifierLetter: return .other
            default: return .punctuation
            }
        default: return .other
        }
    }

    /// Whether the text has any character of these scripts (the UTF-8 lead byte of all of them is ≥ 0xE0).
    static func present(in text: String) -> Bool {
        var t = text
        return t.withUTF8 { buf in
            var i = 0
            let n = buf.count
            while i < n {
                let b = buf[i]
                if b >= 0xE0 {
                    var v: UInt32
                    if b < 0xF0, i + 2 < n {
                        v = UInt32(b & 0x0F) << 12 | UInt32(buf[i + 1] & 0x3F) << 6 | UInt32(buf[i + 2] & 0x3F)
                    } else if i + 3 < n {
                        v = UInt32(b & 0x07) << 18 | UInt32(buf[i + 1] & 0x3F) << 12 | UInt32(buf[i + 2] & 0x3F) << 6 | UInt32(buf[i + 3] & 0x3F)
                    } else { v = 0 }
                    if let u = Unicode.Scalar(v), kind(u) != .other { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// `words` with every word holding these scripts split as described above.
    static func segment(_ words: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(words.count)
        for w in words {
            guard w.utf8.contains(where: { $0 >= 0xE0 }), w.unicodeScalars.contains(where: { kind($0) != .other }) else {
                out.append(w); continue
            }
            var piece = String.UnicodeScalarView()
            var pieceKind = Kind.other
            func flush() { if !piece.isEmpty { out.append(String(piece)); piece = String.UnicodeScalarView() } }
            for u in w.unicodeScalars {
                var k = kind(u)
                // A combining mark stays with what precedes it (a cluster, or any other character).
                if k == .mark { k = pieceKind == .cluster ? .cluster : .other; if !piece.isEmpty { piece.append(u); continue } }
                switch k {
                case .other, .katakana:
                    if pieceKind != k { flush() }
                    piece.append(u)
                case .single, .cluster, .punctuation, .mark:
                    flush()
                    piece.append(u)
                }
                pieceKind = k
            }
            flush()
        }
        return out
    }
}
