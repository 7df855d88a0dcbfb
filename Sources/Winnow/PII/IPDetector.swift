import Foundation

/// `ip`: IPv4 dotted quads (0–255, no leading zeros, not part of a longer dotted number, not a version
/// string — `version`, `v`, `release`, `build` just before; never 0.x.x.x or 255.x.x.x, which name networks and
/// masks, not hosts) and IPv6 addresses (validated by inet_pton, with at least two non-empty groups and a
/// decimal digit: `::`, `::1`, a hex word before reStructuredText's `::` — "be::", "C::" — and code like `a::b`
/// are not addresses anyone owns).
/// With `keepPrivate`, private, loopback, link-local, multicast and documentation ranges are left alone.
struct IPDetector: PIIDetector {
    let kind = "ip"
    let keepPrivate: Bool

    /// Words that make the dotted quad after them a version, revision or section number.
    static let numberWords = ["version", "ver", "release", "build", "revision", "rev", "section", "sect", "chapter",
                              "§", "sezione", "secção", "seção", "sección", "abschnitt", "kapitel", "capítulo", "chapitre"]

    /// Every address holds a "." between digits or a ":" next to a hex digit or another ":", so only those
    /// bytes are visited (found with memchr); the candidate starts where the run of digits (IPv4) or of hex
    /// digits and colons (IPv6) before it starts.
    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        var dot = PIIBytes.next(0x2E, in: t, from: 0), colon = PIIBytes.next(0x3A, in: t, from: 0)
        var resume = 0                                       // nothing before this is looked at again
        while dot < t.count || colon < t.count {
            let k = min(dot, colon)
            var end: Int? = nil, start = k
            if k == dot {
                if k > 0 && k + 1 < t.count && PIIBytes.isDigit(t[k - 1]) && PIIBytes.isDigit(t[k + 1]) {
                    while start > resume && PIIBytes.isDigit(t[start - 1]) { start -= 1 }
                    if start == 0 || !(PIIBytes.isAlnum(t[start - 1]) || t[start - 1] == 0x2E || t[start - 1] == 0x3A) {
                        end = ipv4(t, start)
                    }
                    if end == nil { end = ipv6Around(t, k, &start, resume) }
                }
            } else if (k + 1 < t.count && (PIIBytes.isHex(t[k + 1]) || t[k + 1] == 0x3A))
                        || (k > 0 && (PIIBytes.isHex(t[k - 1]) || t[k - 1] == 0x3A)) {
                end = ipv6Around(t, k, &start, resume)
            }
            var next = k + 1
            if let e = end { out.append(PIISpan(start: start, end: e, kind: kind)); next = e; resume = e }
            if dot < next { dot = PIIBytes.next(0x2E, in: t, from: next) }
            if colon < next { colon = PIIBytes.next(0x3A, in: t, from: next) }
        }
    }

    /// An IPv6 address holding the byte at `k`: it starts at the beginning of the run of hex digits, colons and
    /// dots around `k` (not glued to a letter, digit or colon before it).
    private func ipv6Around(_ t: UnsafeBufferPointer<UInt8>, _ k: Int, _ start: inout Int, _ resume: Int) -> Int? {
        var s = k
        while s > resume && k - s < 45 && (PIIBytes.isHex(t[s - 1]) || t[s - 1] == 0x3A || t[s - 1] == 0x2E) { s -= 1 }
        // The old per-byte scan tried every start in the run; an address begins at a hex digit or colon whose
        // left neighbour is not alphanumeric or a colon — take the first such start from the left.
        var a = s
        while a <= k {
            if (PIIBytes.isHex(t[a]) || t[a] == 0x3A) && (a == 0 || !(PIIBytes.isAlnum(t[a - 1]) || t[a - 1] == 0x3A)) {
                if let e = ipv6(t, a), e > k { start = a; return e }
            }
            a += 1
        }
        return nil
    }

    private func ipv4(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var i = start
        var octets: [Int] = []
        while octets.count < 4 {
            var j = i, v = 0
            while j < t.count && PIIBytes.isDigit(t[j]) && j - i < 3 { v = v * 10 + Int(t[j] - 0x30); j += 1 }
            guard j > i, v <= 255, !(j - i > 1 && t[i] == 0x30), j == t.count || !PIIBytes.isDigit(t[j]) else { return nil }
            octets.append(v)
            i = j
            if octets.count < 4 { guard i < t.count, t[i] == 0x2E else { return nil }; i += 1 }
        }
        // Not part of a longer dotted number (1.2.3.4.5), a word or a file name (novas-3.1.1.3.tar.gz), and not
        // a package version (novas-3.1.1.3, novas==3.1.1.3).
        if i < t.count && (PIIBytes.isAlnum(t[i]) || (t[i] == 0x2E && i + 1 < t.count && PIIBytes.isAlnum(t[i + 1]))) { return nil }
        if start >= 2 && ((t[start - 1] == 0x2D && PIIBytes.isAlnum(t[start - 2])) || (t[start - 1] == 0x3D && t[start - 2] == 0x3D)) { return nil }
        // A version or section number: "version 1.2.3.4", "v1.2.3.4", "revision 1.17.2.7", "Section 6.2.4.3", or a
        // numbered heading — the quad opens its line and a "." or ")" and a space follow ("6.2.4.1. Exim").
        if Self.afterNumberWord(t, start) { return nil }
        if i + 1 < t.count, t[i] == 0x2E || t[i] == 0x29, t[i + 1] == 0x20 || t[i + 1] == 0xC2 || t[i + 1] == 0x0A {
            var k = start
            while k > 0 && (t[k - 1] == 0x20 || t[k - 1] == 0x09) { k -= 1 }
            if k == 0 || t[k - 1] == 0x0A { return nil }
        }
        if octets[0] == 0 || octets[0] == 255 { return nil }
        if keepPrivate {
            let (a, b) = (octets[0], octets[1])
            if a == 10 || a == 127 || a >= 224 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
                || (a == 192 && b == 0 && octets[2] == 2) || (a == 198 && b == 51 && octets[2] == 100) || (a == 203 && b == 0 && octets[2] == 113) { return nil }
        }
        return i
    }

    /// Whether the word just before `start` makes the quad a version or section number: a whole word of
    /// `numberWords` ("version 1.2.3.4", "Rev. 1.2.3.4", "§ 6.2.4.3"), or a lone "v" glued to it ("v1.2.3.4").
    /// Whole words only: "server 10.20.30.40", "resolver 1.1.1.1" and "forever 81.2.69.160" are addresses.
    static func afterNumberWord(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        let from = max(0, start - 32)
        let before = Array(String(decoding: UnsafeBufferPointer(rebasing: t[from..<start]), as: UTF8.self).lowercased())
        if let last = before.last, last == "v" {
            return before.count == 1 ? from == 0 : !before[before.count - 2].isLetter
        }
        var end = before.count
        while end > 0 && (before[end - 1].isWhitespace) { end -= 1 }
        if end > 0 && (before[end - 1] == "." || before[end - 1] == ":") { end -= 1 }   // "Rev. 1.2.3.4", "Version: 1.2.3.4"
        if end > 0 && before[end - 1] == "§" { return true }
        var begin = end
        while begin > 0 && before[begin - 1].isLetter { begin -= 1 }
        // A run of letters that reaches the window's start may be the tail of a longer word.
        guard begin < end, begin > 0 || from == 0 else { return false }
        return numberWords.contains(String(before[begin..<end]))
    }

    private func ipv6(_ t: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var j = start, colons = 0
        while j < t.count && (PIIBytes.isHex(t[j]) || t[j] == 0x3A || t[j] == 0x2E) && j - start < 45 {
            if t[j] == 0x3A { colons += 1 }
            j += 1
        }
        while j > start && (t[j - 1] == 0x2E || (t[j - 1] == 0x3A && !(j - 2 >= start && t[j - 2] == 0x3A))) { j -= 1 }
        guard colons >= 2, j < t.count ? !PIIBytes.isAlnum(t[j]) : true else { return nil }
        var candidate = Array(t[start..<j]); candidate.append(0)
        var buf = in6_addr()
        guard inet_pton(AF_INET6, candidate.map { CChar(bitPattern: $0) }, &buf) == 1 else { return nil }
        var groups = 0, inGroup = false, digits = false
        for k in start..<j {
            if t[k] == 0x3A { inGroup = false } else if !inGroup { inGroup = true; groups += 1 }
            digits = digits || PIIBytes.isDigit(t[k])
        }
        guard groups >= 2, digits else { return nil }
        if keepPrivate {
            let s = String(decoding: t[start..<j], as: UTF8.self).lowercased()
            if s.hasPrefix("fe80:") || s.hasPrefix("fc") || s.hasPrefix("fd") || s.hasPrefix("ff") || s.hasPrefix("2001:db8:") { return nil }
        }
        return j
    }
}
