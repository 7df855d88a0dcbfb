/// `email`: local@domain.tld — the local part of letters (internationalised addresses: Latin, Greek, Cyrillic,
/// Arabic, Hebrew, Indic and other scripts written with spaces), digits and `._%+-` (not starting or ending with a
/// dot, no two dots in a row, at most 64 bytes), a domain of at least two labels (letters, digits, hyphens), the
/// last of 2+ ASCII letters.
///
/// An address ends where a word would: at any Unicode space (no-break too), punctuation or symbol of any script
/// (`：`, `。`, `«`, `「`), and at letters of scripts written without spaces (Han, kana, Hangul, Thai, Lao, Khmer,
/// Myanmar, full-width forms) — `邮箱：support@example.com谢谢` finds `support@example.com` and nothing around it.
struct EmailDetector: PIIDetector {
    let kind = "email"

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        @inline(__always) func localASCII(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b == 0x2E || b == 0x5F || b == 0x25 || b == 0x2B || b == 0x2D }
        @inline(__always) func domainASCII(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b == 0x2D || b == 0x2E }
        var i = 0
        var lastEnd = 0
        while true {
            i = PIIBytes.next(0x40, in: t, from: i)          // every address holds an "@"
            guard i < t.count else { break }
            var a = i
            while a > lastEnd {
                let b = t[a - 1]
                if b < 0x80 { guard localASCII(b) else { break }; a -= 1; continue }
                guard let (scalar, len) = PIIBytes.scalar(endingAt: a, in: t), a - len >= lastEnd, Self.isWordScalar(scalar) else { break }
                a -= len
            }
            while a < i && t[a] == 0x2E { a += 1 }                 // a local part does not start with a dot
            var b = i + 1
            while b < t.count {
                let c = t[b]
                if c < 0x80 { guard domainASCII(c) else { break }; b += 1; continue }
                guard let (scalar, len) = PIIBytes.scalar(startingAt: b, in: t), Self.isWordScalar(scalar) else { break }
                b += len
            }
            while b > i + 1 && (t[b - 1] == 0x2E || t[b - 1] == 0x2D) { b -= 1 }   // trailing sentence dot
            defer { i += 1 }
            let local = UnsafeBufferPointer(rebasing: t[a..<i]), domain = UnsafeBufferPointer(rebasing: t[(i + 1)..<b])
            guard !local.isEmpty, local.count <= 64, local.last != 0x2E, !zip(local, local.dropFirst()).contains(where: { $0 == 0x2E && $1 == 0x2E }) else { continue }
            let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
            guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.first != 0x2D && $0.last != 0x2D }),
                  let tld = labels.last, tld.count >= 2, tld.allSatisfy(PIIBytes.isAlpha) else { continue }
            out.append(PIISpan(start: a, end: b, kind: kind))
            lastEnd = b
            i = b - 1
        }
    }

    /// A non-ASCII scalar that can be part of an address: a letter, combining mark or digit of a script written
    /// with spaces between words. Spaces, punctuation, symbols and letters of unspaced scripts end an address.
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if UnspacedScripts.kind(s) != .other { return false }
        switch s.value {
        case 0xFF00...0xFFEF, 0x3000...0x303F: return false   // full-width forms, CJK symbols and punctuation
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: return false   // Hangul: particles follow an address unspaced
        default: break
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber: return true
        default: return false
        }
    }
}
