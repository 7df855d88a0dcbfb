import Foundation

/// `ip`: IPv4 dotted quads (0–255, no leading zeros, not part of a longer dotted number, not a version
/// string — `version`, `v`, `release`, `build` just before) and IPv6 addresses (validated by inet_pton).
/// With `keepPrivate`, private, loopback, link-local and documentation ranges are left alone.
struct IPDetector: PIIDetector {
    let kind = "ip"
    let keepPrivate: Bool

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        var i = 0
        while i < t.count {
            let b = t[i]
            if PIIBytes.isDigit(b), i == 0 || !(PIIBytes.isAlnum(t[i - 1]) || t[i - 1] == 0x2E || t[i - 1] == 0x3A) {
                if let end = ipv4(t, i) { out.append(PIISpan(start: i, end: end, kind: kind)); i = end; continue }
            }
            if PIIBytes.isHex(b) || b == 0x3A, i == 0 || !(PIIBytes.isAlnum(t[i - 1]) || t[i - 1] == 0x3A) {
                if let end = ipv6(t, i) { out.append(PIISpan(start: i, end: end, kind: kind)); i = end; continue }
            }
            i += 1
        }
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
        // Not part of a longer dotted number (1.2.3.4.5) or a word.
        if i < t.count && (PIIBytes.isAlnum(t[i]) || (t[i] == 0x2E && i + 1 < t.count && PIIBytes.isDigit(t[i + 1]))) { return nil }
        // A version string: "version 1.2.3.4", "v1.2.3.4", "release 10.0.0.1".
        let before = String(decoding: UnsafeBufferPointer(rebasing: t[max(0, start - 10)..<start]), as: UTF8.self).lowercased()
        let trimmed = before.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("version") || trimmed.hasSuffix("ver") || trimmed.hasSuffix("release") || trimmed.hasSuffix("build") || before.hasSuffix("v") { return nil }
        if keepPrivate {
            let (a, b) = (octets[0], octets[1])
            if a == 10 || a == 127 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
                || (a == 192 && b == 0 && octets[2] == 2) || (a == 198 && b == 51 && octets[2] == 100) || (a == 203 && b == 0 && octets[2] == 113) { return nil }
        }
        return i
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
        if keepPrivate {
            let s = String(decoding: t[start..<j], as: UTF8.self).lowercased()
            if s == "::1" || s.hasPrefix("fe80:") || s.hasPrefix("fc") || s.hasPrefix("fd") || s.hasPrefix("2001:db8:") || s == "::" { return nil }
        }
        return j
    }
}
