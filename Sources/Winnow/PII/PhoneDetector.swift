/// `phone`: international numbers (`+` and a country code) checked against the country's number length —
/// BR, US/CA, UK, DE, FR, PT, ES and IN with their own rules, other codes by E.164's 8–15 digits — and
/// national formats of those countries, recognised by their digit groups (a bare run of digits is never a
/// phone: order numbers and ids look the same). Dates (`2024-01-15`) and other grouped numbers that fit no
/// format are left alone.
struct PhoneDetector: PIIDetector {
    let kind = "phone"

    /// A candidate: its byte range, digits, and digit-group lengths (groups split by separators).
    struct Candidate { let start: Int; let end: Int; let plus: Bool; let digits: [Int]; let groups: [Int]; let paren: Bool
        let dots: Bool }

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        var i = 0
        while i < t.count {
            let b = t[i]
            guard b == 0x2B || b == 0x28 || PIIBytes.isDigit(b), i == 0 || !(PIIBytes.isAlnum(t[i - 1]) || t[i - 1] == 0x2B || t[i - 1] == 0x2E || t[i - 1] == 0x2D || t[i - 1] == 0x2F) else { i += 1; continue }
            var j = i, digits: [Int] = [], groups: [Int] = [], current = 0, paren = false, dots = false
            var lastSep: UInt8? = 0x20                 // the previous byte when it was a separator
            while j < t.count {
                let c = t[j]
                if PIIBytes.isDigit(c) { digits.append(Int(c - 0x30)); current += 1; lastSep = nil; j += 1; continue }
                if c == 0x2B && j == i { lastSep = c; j += 1; continue }
                // One separator between groups; a parenthesis may stand next to a space: "(11) 9…", "+55 (11)".
                let isSep = c == 0x20 || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29
                let allowed = lastSep == nil || c == 0x28 || lastSep == 0x29 || (lastSep == 0x2B && c == 0x20)
                if isSep && allowed && j + 1 < t.count {
                    if c == 0x28 || c == 0x29 { paren = true }
                    if c == 0x2E { dots = true }
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
            if end < t.count && (PIIBytes.isAlnum(t[end]) || t[end] == 0x2F) || digits.count < 7 {
                i = max(i + 1, j); continue
            }
            let cand = Candidate(start: i, end: end, plus: t[i] == 0x2B, digits: digits, groups: groups, paren: paren, dots: dots)
            if valid(cand) { out.append(PIISpan(start: i, end: end, kind: kind)) }
            i = max(i + 1, j)
        }
    }

    func valid(_ c: Candidate) -> Bool {
        let d = c.digits
        if c.plus { return international(d) }
        guard c.groups.count >= 2 else { return false }         // national numbers are written in groups
        // Dates and times: 4-2-2, 2-2-4.
        if c.groups == [4, 2, 2] || c.groups == [2, 2, 4] { return false }
        let g = c.groups
        // US/CA: (NXX) NXX-XXXX, NXX-NXX-XXXX, 1-NXX-NXX-XXXX.
        if (g == [3, 3, 4] || g == [1, 3, 3, 4]) && (g.count == 3 || d[0] == 1) {
            let n = g.count == 4 ? Array(d.dropFirst()) : d
            if n[0] >= 2 && n[3] >= 2 { return true }
        }
        // BR: (DD) 9XXXX-XXXX or (DD) XXXX-XXXX.
        if g == [2, 5, 4] && d[2] == 9 && d[0] != 0 && d[1] != 0 { return true }
        if g == [2, 4, 4] && (2...5).contains(d[2]) && d[0] != 0 && d[1] != 0 { return true }
        // UK: 0XXXX XXXXXX, 0XXX XXX XXXX, 020 XXXX XXXX (11 digits from 0).
        if d.count == 11 && d[0] == 0 && [1, 2, 3, 7, 8].contains(d[1]) && (g == [5, 6] || g == [4, 3, 4] || g == [3, 4, 4] || g == [5, 3, 3]) { return true }
        // FR: 0X XX XX XX XX.
        if g == [2, 2, 2, 2, 2] && d[0] == 0 && d[1] != 0 { return true }
        // DE: 0XXX XXXXXXX and the like (7–13 digits from 0, area then subscriber).
        if d[0] == 0 && d[1] != 0 && (7...13).contains(d.count) && g.count == 2 && (2...5).contains(g[0] - 0) && g[1] >= 4 && g[0] >= 3 { return true }
        // PT: 2XX XXX XXX or 9XX XXX XXX; ES: 6/7/8/9XX XXX XXX or 9XX XX XX XX (not with dots: "200.000.000"
        // is a number grouped in thousands).
        if g == [3, 3, 3] && [2, 6, 7, 8, 9].contains(d[0]) && !c.dots { return true }
        if g == [3, 2, 2, 2] && [6, 7, 8, 9].contains(d[0]) { return true }
        // IN: XXXXX XXXXX mobile, 6–9 first.
        if g == [5, 5] && (6...9).contains(d[0]) { return true }
        return false
    }

    func international(_ d: [Int]) -> Bool {
        func starts(_ p: [Int]) -> Bool { d.starts(with: p) }
        if starts([1]) { let n = Array(d.dropFirst()); return n.count == 10 && n[0] >= 2 && n[3] >= 2 }
        if starts([5, 5]) { let n = Array(d.dropFirst(2)); return (n.count == 10 || n.count == 11) && n[0] != 0 && n[1] != 0 && (n.count == 10 || n[2] == 9) }
        if starts([4, 4]) { let n = Array(d.dropFirst(2)); return n.count == 10 && [1, 2, 3, 7, 8, 9].contains(n[0]) }
        if starts([4, 9]) { let n = Array(d.dropFirst(2)); return (6...13).contains(n.count) && n[0] != 0 }
        if starts([3, 3]) { let n = Array(d.dropFirst(2)); return n.count == 9 && n[0] != 0 }
        if starts([3, 5, 1]) { let n = Array(d.dropFirst(3)); return n.count == 9 && (n[0] == 2 || n[0] == 9) }
        if starts([3, 4]) { let n = Array(d.dropFirst(2)); return n.count == 9 && (6...9).contains(n[0]) }
        if starts([9, 1]) { let n = Array(d.dropFirst(2)); return n.count == 10 && (2...9).contains(n[0]) }
        return (8...15).contains(d.count) && d[0] != 0
    }
}
