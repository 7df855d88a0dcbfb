/// Candidate runs of digits with the separators a kind allows (single spaces, dashes, dots, slashes between
/// digits), not glued to other letters or digits.
enum DigitRuns {
    /// A set of separators (bytes below 0x40) as a bit mask.
    static func mask(_ separators: StaticString) -> UInt64 {
        var m: UInt64 = 0
        for k in 0..<separators.utf8CodeUnitCount { m |= 1 << UInt64(separators.utf8Start[k]) }
        return m
    }
    static let spaceDash = mask(" -"), dotDashSlash = mask(".-/")

    /// Calls `body` with each maximal run of digits joined by single `separators` (a `mask`) that is at least
    /// `minLength` bytes long: (start, end) byte offsets. Nothing is allocated; shorter runs (years, prices) cost a
    /// few comparisons.
    @inline(__always) static func forEach(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, separators: UInt64, minLength: Int, _ body: (Int, Int) -> Void) {
        var i = 0
        var cursor = digits.cursor()
        while true {
            i = cursor.next(from: i)
            guard i < t.count else { break }
            guard i == 0 || !PIIBytes.isAlnum(t[i - 1]) else {
                i += 1
                while i < t.count && PIIBytes.isDigit(t[i]) { i += 1 }
                continue
            }
            var j = i
            while j < t.count {
                let c = t[j]
                if PIIBytes.isDigit(c) { j += 1; continue }
                if c < 0x40, (separators >> UInt64(c)) & 1 != 0, j + 1 < t.count, PIIBytes.isDigit(t[j + 1]) { j += 1; continue }
                break
            }
            // Not glued to letters after, and not a URL path segment ("/web/20060524042422/").
            if j - i >= minLength && (j == t.count || !PIIBytes.isAlpha(t[j])) && (i == 0 || t[i - 1] != 0x2F) { body(i, j) }
            i = j
        }
    }
}

/// `credit_card`: 13–19 digits (spaces or dashes between groups), a known issuer prefix with a length it
/// issues, and a valid Luhn checksum.
struct CreditCardDetector: DigitPIIDetector {
    let kind = "credit_card"

    static func issuerAccepts(_ d: [Int]) -> Bool {
        let n = d.count
        func prefix(_ k: Int) -> Int { d.prefix(k).reduce(0) { $0 * 10 + $1 } }
        switch d.first {
        case 4: return n == 13 || n == 16 || n == 19                                         // Visa
        case 5: return (51...55).contains(prefix(2)) && n == 16                             // Mastercard
        case 2: return (2221...2720).contains(prefix(4)) && n == 16                          // Mastercard 2-series
        case 3:
            if [34, 37].contains(prefix(2)) { return n == 15 }                              // American Express
            if (3528...3589).contains(prefix(4)) { return (16...19).contains(n) }           // JCB
            if prefix(2) == 36 || prefix(2) == 38 || (300...305).contains(prefix(3)) { return (14...19).contains(n) }   // Diners
            return false
        case 6:
            if prefix(4) == 6011 || prefix(2) == 65 || (644...649).contains(prefix(3)) { return (16...19).contains(n) }   // Discover
            if prefix(2) == 62 { return (16...19).contains(n) }                              // UnionPay
            return false
        default: return false
        }
    }

    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) {
        DigitRuns.forEach(t, digits: digits, separators: DigitRuns.spaceDash, minLength: 13) { a, b in
            let d = PIIBytes.digits(t, a, b)
            guard (13...19).contains(d.count), Self.issuerAccepts(d), PIIBytes.luhn(d) else { return }
            out.append(PIISpan(start: a, end: b, kind: kind))
        }
    }
}

/// `us_ssn`: AAA-GG-SSSS or AAA GG SSSS (not bare nine digits: too many false alarms), area not 000, 666 or
/// 900–999, group not 00, serial not 0000.
struct SSNDetector: DigitPIIDetector {
    let kind = "us_ssn"

    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) {
        DigitRuns.forEach(t, digits: digits, separators: DigitRuns.spaceDash, minLength: 11) { a, b in
            guard b - a == 11, t[a + 3] == t[a + 6], t[a + 3] == 0x2D || t[a + 3] == 0x20 else { return }
            let d = PIIBytes.digits(t, a, b)
            guard d.count == 9 else { return }
            let area = d[0] * 100 + d[1] * 10 + d[2], group = d[3] * 10 + d[4], serial = d[5...].reduce(0) { $0 * 10 + $1 }
            guard area != 0, area != 666, area < 900, group != 0, serial != 0 else { return }
            out.append(PIISpan(start: a, end: b, kind: kind))
        }
    }
}

/// `cpf` (Brazilian individual taxpayer number, 000.000.000-00 or 11 digits) and `cnpj` (company number,
/// 00.000.000/0000-00 or 14 digits): both check digits valid, not all digits equal.
struct CPFCNPJDetector: DigitPIIDetector {
    let kind = "cpf"

    static func cpfValid(_ d: [Int]) -> Bool {
        guard d.count == 11, Set(d).count > 1 else { return false }
        func check(_ n: Int) -> Int {
            let s = (0..<n).reduce(0) { $0 + d[$1] * (n + 1 - $1) }
            let r = (s * 10) % 11
            return r == 10 ? 0 : r
        }
        return check(9) == d[9] && check(10) == d[10]
    }

    static func cnpjValid(_ d: [Int]) -> Bool {
        guard d.count == 14, Set(d).count > 1 else { return false }
        let w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], w2 = [6] + w1
        func check(_ w: [Int]) -> Int {
            let r = zip(d, w).reduce(0) { $0 + $1.0 * $1.1 } % 11
            return r < 2 ? 0 : 11 - r
        }
        return check(w1) == d[12] && check(w2) == d[13]
    }

    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) {
        DigitRuns.forEach(t, digits: digits, separators: DigitRuns.dotDashSlash, minLength: 11) { a, b in
            // 11 or 14 digits bare, or 14 / 18 bytes punctuated: anything else is no CPF or CNPJ.
            guard b - a == 11 || b - a == 14 || b - a == 18 else { return }
            let d = PIIBytes.digits(t, a, b)
            let text = Array(t[a..<b])
            let punct = text.filter { !PIIBytes.isDigit($0) }
            if d.count == 11, punct.isEmpty || punct == [0x2E, 0x2E, 0x2D], Self.cpfValid(d) {
                if !punct.isEmpty, !(text[3] == 0x2E && text[7] == 0x2E && text[11] == 0x2D) { return }
                out.append(PIISpan(start: a, end: b, kind: "cpf"))
            } else if d.count == 14, punct.isEmpty || punct == [0x2E, 0x2E, 0x2F, 0x2D], Self.cnpjValid(d) {
                if !punct.isEmpty, !(text[2] == 0x2E && text[6] == 0x2E && text[10] == 0x2F && text[15] == 0x2D) { return }
                out.append(PIISpan(start: a, end: b, kind: "cnpj"))
            }
        }
    }
}
