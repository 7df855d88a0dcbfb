/// `iban`: country code, two check digits and the country's length of letters and digits (spaces every four
/// allowed), mod-97 remainder 1 (ISO 13616).
struct IBANDetector: DigitPIIDetector {
    let kind = "iban"
    static let lengths: [String: Int] = [
        "AD": 24, "AE": 23, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28, "CZ": 24,
        "DE": 22, "DK": 18, "DO": 28, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
        "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LB": 28,
        "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "ME": 22, "MK": 19, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
        "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
        "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
    ]

    static func valid(_ s: [UInt8]) -> Bool {
        guard s.count >= 15, let n = lengths[String(decoding: s.prefix(2), as: UTF8.self)], n == s.count else { return false }
        var r = 0
        for b in s[4...] + s[..<4] {
            if PIIBytes.isDigit(b) { r = (r * 10 + Int(b - 0x30)) % 97 } else { r = (r * 100 + Int(b - 0x41 + 10)) % 97 }
        }
        return r == 1
    }

    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) {
        var d = 2                                            // the candidate's first check digit
        var cursor = digits.cursor()
        while true {
            d = cursor.next(from: d)
            let i = d - 2
            guard i + 15 <= t.count else { break }
            guard i >= 0, t[i] >= 0x41, t[i] <= 0x5A, t[i + 1] >= 0x41, t[i + 1] <= 0x5A, PIIBytes.isDigit(t[i + 3]),
                  i == 0 || !PIIBytes.isAlnum(t[i - 1]) else { d += 1; continue }
            // Letters and digits, single spaces allowed between groups.
            var j = i, compact: [UInt8] = []
            while j < t.count {
                let b = t[j]
                if PIIBytes.isDigit(b) || (b >= 0x41 && b <= 0x5A) { compact.append(b); j += 1 }
                else if b == 0x20, j + 1 < t.count, PIIBytes.isDigit(t[j + 1]) || (t[j + 1] >= 0x41 && t[j + 1] <= 0x5A), compact.count % 4 == 0 { j += 1 }
                else { break }
                if compact.count == 34 { break }
            }
            // The longest prefix that is a valid IBAN for its country.
            if let n = Self.lengths[String(decoding: compact.prefix(2), as: UTF8.self)], compact.count >= n, Self.valid(Array(compact.prefix(n))) {
                var end = i, taken = 0
                while taken < n { if t[end] != 0x20 { taken += 1 }; end += 1 }
                if end == t.count || !PIIBytes.isAlnum(t[end]) {
                    out.append(PIISpan(start: i, end: end, kind: kind))
                    d = end + 2
                    continue
                }
            }
            d += 1
        }
    }
}
