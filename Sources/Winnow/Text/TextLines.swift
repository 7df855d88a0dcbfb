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

    /// Python `str.splitlines()`: the lines themselves.
    public static func splitLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let u = text.unicodeScalars
        var start = u.startIndex
        var i = u.startIndex
        while i < u.endIndex {
            let v = u[i].value
            if isLineBreak(v) {
                lines.append(Substring(u[start..<i]))
                var next = u.index(after: i)
                if v == 0x0D, next < u.endIndex, u[next].value == 0x0A { next = u.index(after: next) }
                start = next
                i = next
            } else {
                i = u.index(after: i)
            }
        }
        if start < u.endIndex { lines.append(Substring(u[start...])) }
        return lines
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
