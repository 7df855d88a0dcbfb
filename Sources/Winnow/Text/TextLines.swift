/// Line splitting and character classes with the semantics of Python's `str`, which the reference tools
/// (datatrove, data-juicer) use, so thresholds carry over unchanged.
public enum TextLines {
    /// Python `str.splitlines()`: breaks at \n, \r, \r\n, \v, \f, \u{1C}–\u{1E}, \u{85}, \u{2028}, \u{2029};
    /// no empty last line after a final break. Lengths are counted in Unicode scalars.
    public static func lineLengths(_ text: String) -> [Int] {
        var lengths: [Int] = []
        var current = 0
        var sawAny = false
        var previousCR = false
        for u in text.unicodeScalars {
            let v = u.value
            if v == 0x0A && previousCR { previousCR = false; continue }   // the \n of \r\n
            previousCR = v == 0x0D
            if isLineBreak(v) {
                lengths.append(current)
                current = 0
                sawAny = false
            } else {
                current += 1
                sawAny = true
            }
        }
        if sawAny { lengths.append(current) }
        return lengths
    }

    /// Python `str.splitlines()`: the lines themselves (found on UTF-8 bytes: the breaks are ASCII controls,
    /// U+0085 = C2 85 and U+2028/2029 = E2 80 A8/A9).
    public static func splitLines(_ text: String) -> [Substring] {
        var ranges: [(Int, Int)] = []
        var t = text
        t.withUTF8 { b in
            let n = b.count
            var start = 0, i = 0
            while i < n {
                let x = b[i]
                var breakLength = 0
                if x <= 0x1E {
                    if (x >= 0x0A && x <= 0x0D) || x >= 0x1C { breakLength = (x == 0x0D && i + 1 < n && b[i + 1] == 0x0A) ? 2 : 1 }
                } else if x == 0xC2 {
                    if i + 1 < n && b[i + 1] == 0x85 { breakLength = 2 }
                } else if x == 0xE2 {
                    if i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9) { breakLength = 3 }
                }
                if breakLength > 0 {
                    ranges.append((start, i))
                    i += breakLength
                    start = i
                } else {
                    i += 1
                }
            }
            if start < n { ranges.append((start, n)) }
        }
        let u = text.utf8
        let base = u.startIndex
        return ranges.map { text[u.index(base, offsetBy: $0.0)..<u.index(base, offsetBy: $0.1)] }
    }

    @inline(__always) static func isLineBreak(_ v: UInt32) -> Bool {
        switch v {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }
}

extension Unicode.Scalar {
    /// Python's `str.isalnum()` for one character: a letter (L*) or a number (N*).
    var isAlphanumeric: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Python's `str.isalpha()` for one character: a letter (L*).
    var isLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Punctuation (P*) or a symbol (S*) in any script.
    var isPunctuationOrSymbol: Bool {
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }
}
