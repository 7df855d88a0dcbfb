/// Candidate runs of digits with the separators a kind allows (single spaces, dashes, dots, slashes between
/// digits), not glued to other letters or digits.
enum DigitRuns {
    /// Each maximal run of digits joined by single `separators`: (start, end) byte offsets.
    static func runs(_ t: UnsafeBufferPointer<UInt8>, separators: Set<UInt8>) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var i = 0
        while true {
            i = PIIBytes.nextDigit(in: t, from: i)
            guard i < t.count else { break }
            guard i == 0 || !PIIBytes.isAlnum(t[i - 1]) else { i += 1; continue }
            var j = i
            while j < t.count {
                if PIIBytes.isDigit(t[j]) { j += 1; continue }
                if separators.contains(t[j]), j + 1 < t.count, PIIBytes.isDigit(t[j + 1]) { j += 1; continue }
                break
            }
            // Not glued to letters after, and not a URL path segment ("/web/20060524042422/").
            if (j == t.count || !PIIBytes.isAlpha(t[j])) && (i == 0 || t[i - 1] != 0x2F) { out.append((i, j)) }
            i = j
        }
        return out
    }
}

/// `credit_card`: 13–19 digits (spaces or dashes between groups), a known issuer prefix with a length it
/// issues, and a valid Luhn checksum.
struct CreditCardDetector: PIIDetector {
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

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        for (a, b) in DigitRuns.runs(t, separators: [0x20, 0x2D]) {
            let d = PIIBytes.digits(t, a, b)
            guard (13...19).contains(d.count), Self.issuerAccepts(d), PIIBytes.luhn(d) else { continue }
            out.append(PIISpan(start: a, end: b, kind: kind))
        }
    }
}

/// `us_ssn`: AAA-GG-SSSS or AAA GG SSSS (not bare nine digits: too many false alarms), area not 000, 666 or
/// 900–999, group not 00, serial not 0000.
struct SSNDetector: PIIDetector {
    let kind = "us_ssn"

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        for (a, b) in DigitRuns.runs(t, separators: [0x20, 0x2D]) where b - a == 11 {
            let s = Array(t[a..<b])
            guard s[3] == s[6], s[3] == 0x2D || s[3] == 0x20 else { continue }
            let d = PIIBytes.digits(t, a, b)
            guard d.count == 9 else { continue }
            let area = d[0] * 100 + d[1] * 10 + d[2], group = d[3] * 10 + d[4], serial = d[5...].reduce(0) { $0 * 10 + $1 }
            guard area != 0, area != 666, area < 900, group != 0, serial != 0 else { continue }
            out.append(PIISpan(start: a, end: b, kind: kind))
        }
    }
}

/// `cpf` (Brazilian individual taxpayer number, 000.000.000-00 or 11 digits) and `cnpj` (company number,
/// 00.000.000/0000-00 or 14 digits): both check digits valid, not all digits equal.
struct CPFCNPJDetector: PIIDetector {
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

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        for (a, b) in DigitRuns.runs(t, separators: [0x2E, 0x2D, 0x2F]) {
            let d = PIIBytes.digits(t, a, b)
            let text = Array(t[a..<b])
            let punct = text.filter { !PIIBytes.isDigit($0) }
            if d.count == 11, punct.isEmpty || punct == [0x2E, 0x2E, 0x2D], Self.cpfValid(d) {
                if !punct.isEmpty, !(text[3] == 0x2E && text[7] == 0x2E && text[11] == 0x2D) { continue }
                out.append(PIISpan(start: a, end: b, kind: "cpf"))
            } else if d.count == 14, punct.isEmpty || punct == [0x2E, 0x2E, 0x2F, 0x2D], Self.cnpjValid(d) {
                if !punct.isEmpty, !(text[2] == 0x2E && text[6] == 0x2E && text[10] == 0x2F && text[15] == 0x2D) { continue }
                out.append(PIISpan(start: a, end: b, kind: "cnpj"))
            }
        }
    }
}
