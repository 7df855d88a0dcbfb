/// `email`: local@domain.tld — the local part of letters (any script: internationalised addresses), digits and
/// `._%+-` (not starting or ending with a dot, no two dots in a row, at most 64 bytes), a domain of at least two
/// labels (letters of any script, digits, hyphens), the last of 2+ ASCII letters.
struct EmailDetector: PIIDetector {
    let kind = "email"

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        @inline(__always) func localChar(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b >= 0x80 || b == 0x2E || b == 0x5F || b == 0x25 || b == 0x2B || b == 0x2D }
        @inline(__always) func domainChar(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b >= 0x80 || b == 0x2D || b == 0x2E }
        var i = 0
        var lastEnd = 0
        while true {
            i = PIIBytes.next(0x40, in: t, from: i)          // every address holds an "@"
            guard i < t.count else { break }
            var a = i
            while a > lastEnd && localChar(t[a - 1]) { a -= 1 }
            while a < i && t[a] == 0x2E { a += 1 }                 // a local part does not start with a dot
            var b = i + 1
            while b < t.count && domainChar(t[b]) { b += 1 }
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
}
