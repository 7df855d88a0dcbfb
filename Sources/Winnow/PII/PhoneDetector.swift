/// `phone`: telephone numbers as people write them.
///
/// - International: `+` or `00` and a country code, checked against the country's national number lengths
///   (libphonenumber's metadata for BR, PT, US/CA, UK, DE, FR, ES, IT, NL, IN, MX, AR, JP; E.164's 8–15 digits for
///   other codes); a trunk `(0)` after the code (`+49 (0) 30 1234567`) is dropped before the check; `001-212-…`.
/// - National: digit groups split by spaces, dashes, dots, slashes or parentheses — a trunk-0 number of 8–13
///   digits with a 2–5 digit area group (UK, DE, FR, IT, NL, IN, AR, JP: `030 1234567`, `090-1234-5678`),
///   NANP `(212) 555-0147`, BR `(11) 91234-5678`, MX `55 1234 5678`, PT/ES/IT 9–10 digit mobiles and IN `81234 51659`.
/// - A bare run of 8–13 digits (`2125550147`, `0301234567`) only after a phone word of the text's language within
///   the 40 bytes before it (`tel`, `phone`, `call`, `fax`, `telefone`, `celular`, `ligue`, `Telefon`, `unter`,
///   `téléphone`, `appelez`, `teléfono`, `llame`, …: `contextWords`), as Presidio raises a pattern's score.
/// - An extension (`x204`, `ext. 12`, `ramal 3`, `poste 12`, `Durchwahl 12`) joins the span; full-width digits
///   (`０３０ １２３４５６７`) are read as digits.
/// Dates (`2024-01-15`, `15/01/2024`), times, numbers grouped in thousands, ISBNs, prices and version strings fit
/// none of these and are left alone.
struct PhoneDetector: DigitPIIDetector {
    let kind = "phone"

    /// A candidate: its byte range, digits, digit-group lengths, and what separated them.
    struct Candidate {
        let start: Int; let end: Int; let plus: Bool; let digits: [Int]; let groups: [Int]; let paren: Bool
        let dots: Bool; let slash: Bool
        /// The index in `digits` of a digit written alone in parentheses (`(0)`), if any.
        let parenZero: Int?
        /// A phone word stands before it.
        var context = false
    }

    /// Phone words, lower-cased ASCII or UTF-8; matched as whole words (or word prefixes ending in `.`/`:`).
    static let contextWords: [String] = [
        "tel", "tel.", "tele", "phone", "telephone", "call", "calling", "cell", "cellphone", "mobile", "mob", "fax", "hotline", "whatsapp", "sms", "text",
        "telefone", "telefones", "celular", "ligue", "ligar", "contato", "fone", "whats",
        "telefon", "telefonnummer", "handy", "mobil", "unter", "anrufen", "rufen", "tel.:",
        "téléphone", "telephone", "tél", "appelez", "appeler", "portable", "numéro", "joindre",
        "teléfono", "telefono", "llame", "llamar", "móvil", "movil", "celular", "número",
        "電話", "携帯",
    ]
    static let contextSet: Set<[UInt8]> = Set(contextWords.map { Array($0.utf8) })

    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) {
        // Full-width digits and signs (U+FF10–FF19, ＋ － （ ）, the ideographic space): read on an ASCII copy whose
        // offsets map back.
        if PIIBytes.next(0xEF, in: t, from: 0) < t.count || PIIBytes.next(0xE3, in: t, from: 0) < t.count {
            var ascii: [UInt8] = [], origin: [Int] = []
            ascii.reserveCapacity(t.count); origin.reserveCapacity(t.count + 1)
            var i = 0
            while i < t.count {
                if i + 2 < t.count, t[i] == 0xEF, t[i + 1] == 0xBC, let a = Self.fullWidth(t[i + 2]) {
                    ascii.append(a); origin.append(i); i += 3; continue
                }
                if i + 2 < t.count, t[i] == 0xE3, t[i + 1] == 0x80, t[i + 2] == 0x80 { ascii.append(0x20); origin.append(i); i += 3; continue }
                ascii.append(t[i]); origin.append(i); i += 1
            }
            origin.append(t.count)
            if ascii.count != t.count {
                var spans: [PIISpan] = []
                ascii.withUnsafeBufferPointer { scan($0, digits: DigitIndex($0), into: &spans) }
                out += spans.map { PIISpan(start: origin[$0.start], end: origin[$0.end], kind: kind) }
                return
            }
        }
        scan(t, digits: digits, into: &out)
    }

    static func fullWidth(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x90...0x99: return b - 0x90 + 0x30
        case 0x8B: return 0x2B   // ＋
        case 0x8D: return 0x2D   // －
        case 0x88: return 0x28   // （
        case 0x89: return 0x29   // ）
        default: return nil
        }
    }

    private func scan(_ t: UnsafeBufferPointer<UInt8>, digits index: DigitIndex, into out: inout [PIISpan]) {
        var i = 0
        var cursor = index.cursor()
        // Reused across candidates: most digit runs are too short to be a phone, and need no allocation.
        var digits: [Int] = [], groups: [Int] = [], word: [UInt8] = []
        digits.reserveCapacity(24); groups.reserveCapacity(12); word.reserveCapacity(40)
        while i < t.count {
            let b = t[i]
            guard b == 0x2B || b == 0x28 || PIIBytes.isDigit(b) else { i = cursor.nextOrSign(in: t, from: i + 1); continue }
            if i > 0 {
                let p = t[i - 1]
                if PIIBytes.isAlnum(p) && !(p == 0x6C && i >= 4 && t[i - 4] == 0x74 && t[i - 3] == 0x65 && t[i - 2] == 0x6C) || p == 0x2B || p == 0x2E || p == 0x2D || p == 0x2F || p == 0x2C {
                    i += 1; continue
                }
            }
            digits.removeAll(keepingCapacity: true); groups.removeAll(keepingCapacity: true)
            var j = i, current = 0, paren = false, dots = false, slash = false
            var parenStart: Int? = nil, parenZero: Int? = nil
            var lastSep: UInt8? = 0x20                 // the previous byte when it was a separator
            while j < t.count {
                let c = t[j]
                if PIIBytes.isDigit(c) { digits.append(Int(c - 0x30)); current += 1; lastSep = nil; j += 1; continue }
                if c == 0x2B && j == i { lastSep = c; j += 1; continue }
                // One separator between groups; a parenthesis may stand next to a space: "(11) 9…", "+55 (11)".
                let isSep = c == 0x20 || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29 || c == 0x2F
                let allowed = lastSep == nil || c == 0x28 || lastSep == 0x29 || (lastSep == 0x2B && c == 0x20)
                if isSep && allowed && j + 1 < t.count {
                    if c == 0x28 { paren = true; parenStart = digits.count }
                    if c == 0x29 {
                        paren = true
                        if let s = parenStart, digits.count == s + 1, digits[s] == 0 { parenZero = s }
                        parenStart = nil
                    }
                    if c == 0x2E { dots = true }
                    if c == 0x2F { slash = true }
                    if current > 0 { groups.append(current); current = 0 }
                    lastSep = c
                    j += 1
                    continue
                }
                break
            }
            if current > 0 { groups.append(current) }
            var end = j
            while end > i && !PIIBytes.isDigit(t[end - 1]) && t[end - 1] != 0x29 { end -= 1 }
            // A closing parenthesis ends the span only when the number opened one.
            if end > i, t[end - 1] == 0x29, !paren { end -= 1 }
            if end < t.count && (PIIBytes.isAlnum(t[end]) || t[end] == 0x2F || (t[end] == 0x2C && end + 1 < t.count && PIIBytes.isDigit(t[end + 1])))
                || digits.count < 7 {
                i = max(i + 1, j); continue
            }
            var start = i
            if t[i] == 0x28, !(i + 1 < t.count && PIIBytes.isDigit(t[i + 1])) { start += 1 }
            var cand = Candidate(start: start, end: end, plus: t[i] == 0x2B, digits: digits, groups: groups, paren: paren, dots: dots,
                                 slash: slash, parenZero: parenZero)
            // The phone words are read only when the shape alone does not decide.
            var ok = valid(cand)
            if !ok && digits.count >= 8 && digits.count <= 17 {
                cand.context = Self.hasContext(t, before: i, word: &word)
                ok = cand.context && valid(cand)
            }
            if ok {
                out.append(PIISpan(start: start, end: Self.extensionEnd(t, after: end), kind: kind))
            }
            i = max(i + 1, j)
        }
    }

    /// A phone word among the last 40 bytes before `i` (on the same line); `word` is scratch space.
    static func hasContext(_ t: UnsafeBufferPointer<UInt8>, before i: Int, word: inout [UInt8]) -> Bool {
        var k = i - 1
        let stop = max(0, i - 40)
        while k >= stop {
            if t[k] == 0x0A { return false }
            // A word ends at k: gather it backwards.
            if t[k] >= 0x80 || PIIBytes.isAlpha(t[k]) {
                var s = k
                while s > stop && (t[s - 1] >= 0x80 || PIIBytes.isAlpha(t[s - 1])) { s -= 1 }
                word.removeAll(keepingCapacity: true)
                for q in s...k { word.append(t[q] >= 0x41 && t[q] <= 0x5A ? t[q] | 0x20 : t[q]) }
                if contextSet.contains(word) { return true }
                // Capitalised UTF-8 words ("Téléphone", "Teléfono"): lower-case the ASCII, compare again with the accent's
                // capital (É → é).
                if word.count >= 2, word[0] == 0xC3, word[1] >= 0x80 && word[1] <= 0x9E { word[1] |= 0x20; if contextSet.contains(word) { return true } }
                k = s - 1
                continue
            }
            k -= 1
        }
        return false
    }

    /// Past an extension after the number: ` x204`, ` ext. 12`, ` ext 12`, ` ramal 3`, ` poste 12`, ` Durchwahl 12`.
    static func extensionEnd(_ t: UnsafeBufferPointer<UInt8>, after end: Int) -> Int {
        var k = end
        while k < t.count && t[k] == 0x20 { k += 1 }
        guard k > end || (k < t.count && t[k] == 0x78) else { return end }
        for word in ["x", "ext.", "ext", "extension", "ramal", "poste", "durchwahl", "#"] {
            let w = Array(word.utf8)
            guard k + w.count < t.count else { continue }
            var match = true
            for (q, c) in w.enumerated() where (PIIBytes.isAlpha(t[k + q]) ? t[k + q] | 0x20 : t[k + q]) != c { match = false; break }
            guard match else { continue }
            var d = k + w.count
            while d < t.count && t[d] == 0x20 { d += 1 }
            var e = d
            while e < t.count && PIIBytes.isDigit(t[e]) && e - d < 6 { e += 1 }
            if e > d && (e == t.count || !PIIBytes.isAlnum(t[e])) && (w.last == 0x2E || w == [0x23] || d > k + w.count || word == "x") { return e }
        }
        return end
    }

    func valid(_ c: Candidate) -> Bool {
        var d = c.digits
        if c.plus {
            // "+49 (0) 30 …": the trunk 0 in parentheses is not dialled from abroad (Italy's is, so both are tried).
            if international(d) { return true }
            if let z = c.parenZero { d.remove(at: z); return international(d) }
            return false
        }
        // "00" and a country code: the international prefix of most countries; "011" is NANP's.
        if d.count >= 10, d[0] == 0, d[1] == 0, c.groups.count >= 2 || c.context, international(Array(d.dropFirst(2))) { return true }
        let g = c.groups
        if g.count < 2 {
            // A bare run of digits: a phone only next to a phone word.
            guard c.context, (8...13).contains(d.count) else { return false }
            return d[0] != 0 || d[1] != 0
        }
        // Dates and times: 4-2-2, 2-2-4, 2-2-2 with slashes or dots.
        if g == [4, 2, 2] || g == [2, 2, 4] || g == [4, 2] || g == [2, 4] { return false }
        if c.slash && g.count > 2 { return false }
        // A US SSN's shape (3-2-4) and a CPF's (dots, then a dash) are not phones.
        if g == [3, 2, 4] || (c.dots && c.groups.count == 4 && g.last == 2) { return false }
        // US/CA: (NXX) NXX-XXXX, NXX-NXX-XXXX, 1-NXX-NXX-XXXX, NXX.NXX.XXXX.
        if (g == [3, 3, 4] || g == [1, 3, 3, 4]) && (g.count == 3 || d[0] == 1) {
            let n = g.count == 4 ? Array(d.dropFirst()) : d
            if n[0] >= 2 && n[3] >= 2 { return true }
        }
        // BR: (DD) 9XXXX-XXXX or (DD) XXXX-XXXX.
        if g == [2, 5, 4] && d[2] == 9 && d[0] != 0 && d[1] != 0 { return true }
        if g == [2, 4, 4] && d[0] != 0 && d[1] != 0 && !c.dots { return true }           // BR landline, MX "55 1234 5678"
        // Trunk 0 and an area group: UK, DE, FR, IT, NL, IN, AR, JP, BR "0xx".
        if d[0] == 0 && d[1] != 0 && (9...13).contains(d.count) && (2...6).contains(g[0]) && g.dropFirst().allSatisfy({ $0 >= 2 }) {
            if c.dots && g.count >= 3 && g.dropFirst().allSatisfy({ $0 == 3 }) { return false }   // 0.000.000: thousands
            return true
        }
        // PT: 2XX XXX XXX or 9XX XXX XXX; ES: 6/7/8/9XX XXX XXX or 9XX XX XX XX; IT mobile 3XX XXX XXXX (not with
        // dots: "200.000.000" is a number grouped in thousands).
        if g == [3, 3, 3] && [2, 6, 7, 8, 9].contains(d[0]) && !c.dots { return true }
        if g == [3, 2, 2, 2] && [6, 7, 8, 9].contains(d[0]) { return true }
        if g == [3, 3, 4] && d[0] >= 2 && !c.dots { return true }                        // IT mobile, MX "222 123 4567"
        if g == [2, 3, 4] && d[0] == 2 && !c.dots { return true }                        // PT Lisbon, Porto: "21 234 5678"
        // MX: 3-3-4 from 2–9 (NANP-like, "222 123 4567") is covered above; IN: XXXXX XXXXX mobile, 6–9 first.
        if g == [5, 5] && (6...9).contains(d[0]) { return true }
        // With a phone word: any grouping of 8–13 digits that is not thousands.
        if c.context && (8...13).contains(d.count) && !(c.dots && g.dropFirst().allSatisfy { $0 == 3 }) && !(g.first == 4 && g.count == 3 && g[1] == 2) {
            return true
        }
        return false
    }

    /// National significant number lengths by country code (libphonenumber's metadata); E.164's 8–15 digits else.
    func international(_ d: [Int]) -> Bool {
        guard d.count >= 7, d[0] != 0 else { return false }
        func n(_ k: Int) -> [Int] { Array(d.dropFirst(k)) }
        func starts(_ p: [Int]) -> Bool { d.starts(with: p) }
        if starts([1]) { let x = n(1); return x.count == 10 && x[0] >= 2 && x[3] >= 2 }
        if starts([5, 5]) { let x = n(2); return (x.count == 10 || x.count == 11) && x[0] != 0 && x[1] != 0 && (x.count == 10 || x[2] == 9) }
        if starts([5, 4]) { let x = n(2); return (10...11).contains(x.count) && x[0] != 0 }     // AR (9 for mobiles)
        if starts([5, 2]) { let x = n(2); return (10...11).contains(x.count) && x[0] != 0 }     // MX
        if starts([4, 4]) { let x = n(2); return (9...10).contains(x.count) && [1, 2, 3, 5, 7, 8, 9].contains(x[0]) }
        if starts([4, 9]) { let x = n(2); return (6...13).contains(x.count) && x[0] != 0 }
        if starts([3, 3]) { let x = n(2); return x.count == 9 && x[0] != 0 }
        if starts([3, 5, 1]) { let x = n(3); return x.count == 9 && (x[0] == 2 || x[0] == 9) }
        if starts([3, 4]) { let x = n(2); return x.count == 9 && (6...9).contains(x[0]) }
        if starts([3, 9]) { let x = n(2); return (6...11).contains(x.count) && (x[0] == 0 || x[0] == 3) }
        if starts([3, 1]) { let x = n(2); return x.count == 9 && x[0] != 0 }
        if starts([9, 1]) { let x = n(2); return x.count == 10 && (2...9).contains(x[0]) }
        if starts([8, 1]) { let x = n(2); return (9...10).contains(x.count) && x[0] != 0 }
        return (8...15).contains(d.count)
    }
}
