import Foundation

/// `secret`: credentials by their published shapes — AWS access key ids (`AKIA…`, `ASIA…`: 20 characters),
/// GitHub tokens (`ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36, `github_pat_` + 82), Slack tokens (`xox[abprs]-`),
/// Google API keys (`AIza` + 35), JSON Web Tokens (three base64url parts, the first two JSON objects),
/// PEM private-key blocks — and values assigned to credential names (`password`, `api_key`, `token`,
/// `aws_secret_access_key`, …: `name = value`, `name: value`, quoted or not) that are at least 8 characters
/// with a Shannon entropy of at least 3.0 bits per character (so `password = changeme` is left, a random
/// string is not).
struct SecretDetector: PIIDetector {
    let kind = "secret"
    static let names = ["password", "passwd", "pwd", "secret", "api_key", "apikey", "api-key", "token", "access_token", "auth_token",
                        "client_secret", "secret_key", "private_key", "aws_secret_access_key", "secret_access_key"]
    static let minEntropy = 3.0
    static let nameBytes = names.map { Array($0.utf8) }
    /// The bytes a finding can start at (A: AKIA/ASIA/AIza, g: gh…, x: xox…, e: eyJ…, -: -----BEGIN) or that
    /// separate a name from its value (=, :); every other byte is passed over.
    static let triggers: [Bool] = (0..<256).map { "Agxe-=:".utf8.contains(UInt8($0)) }

    /// Whether bytes[s..<n] is a credential name, or ends in "_name" / ".name" (ASCII case ignored).
    static func isCredentialName(_ t: UnsafeBufferPointer<UInt8>, _ s: Int, _ n: Int) -> Bool {
        nameBytes.contains { name in
            let k = name.count
            guard n - s == k || (n - s > k && (t[n - k - 1] == 0x5F || t[n - k - 1] == 0x2E)) else { return false }
            for j in 0..<k where (t[n - k + j] | (PIIBytes.isAlpha(t[n - k + j]) ? 0x20 : 0)) != name[j] { return false }
            return true
        }
    }

    @inline(__always) static func tokenChar(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b == 0x5F || b == 0x2D }
    @inline(__always) static func base64url(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b == 0x5F || b == 0x2D }

    /// Bytes that end an assigned value: quotes, separators and brackets (and a backtick: reST's
    /// ":token:`name`" is markup).
    static let valueStops: Set<UInt8> = Set("\"',;()[]{}`".utf8)

    /// A value that is one lower-case or capitalised word ("Authentication" in "passwd: Authentication token
    /// manipulation error") is prose, not a credential.
    static func plainWord(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        (a..<b).allSatisfy { PIIBytes.isAlpha(t[$0]) && ($0 == a || t[$0] >= 0x61) }
    }

    /// A PEM block holds base64 lines (64 characters in the standard; at least 40 in a row here), not a
    /// placeholder like "... (private key in base64 encoding) ...".
    static func hasKeyBody(_ t: UnsafeBufferPointer<UInt8>, _ from: Int) -> Bool {
        var run = 0, i = from
        while i < t.count && i - from < 8192 {
            let b = t[i]
            if PIIBytes.isAlnum(b) || b == 0x2B || b == 0x2F || b == 0x3D { run += 1; if run >= 40 { return true } }
            else if b == 0x2D { return false }              // reached "-----END" without a key line
            else { run = 0 }
            i += 1
        }
        return false
    }

    static func entropy(_ s: ArraySlice<UInt8>) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for b in s { counts[Int(b)] += 1 }
        let n = Double(s.count)
        return counts.reduce(0.0) { c, k in k == 0 ? c : c - Double(k) / n * log2(Double(k) / n) }
    }

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        let bytes = t
        func at(_ i: Int, _ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            let p = s.utf8Start
            for k in 0..<n where bytes[i + k] != p[k] { return false }
            return true
        }
        func runEnd(_ i: Int, _ ok: (UInt8) -> Bool) -> Int { var j = i; while j < bytes.count && ok(bytes[j]) { j += 1 }; return j }
        func boundary(_ i: Int) -> Bool { i == 0 || !Self.tokenChar(bytes[i - 1]) }
        let triggers = Self.triggers
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard triggers[Int(b)] else { i += 1; continue }
            var span: (Int, Int)? = nil
            if b == 0x41 && boundary(i) && (at(i, "AKIA") || at(i, "ASIA")) {
                let e = runEnd(i, { ($0 >= 0x41 && $0 <= 0x5A) || PIIBytes.isDigit($0) })
                if e - i == 20 && (e == bytes.count || !Self.tokenChar(bytes[e])) { span = (i, e) }
            }
            if span == nil && b == 0x41 && boundary(i) && at(i, "AIza") {
                let e = runEnd(i, Self.base64url)
                if e - i == 39 { span = (i, e) }
            }
            if span == nil && b == 0x67 && boundary(i) {
                if at(i, "github_pat_") { let e = runEnd(i, Self.tokenChar); if e - i == 93 { span = (i, e) } }
                else if at(i, "gh") && i + 3 < bytes.count && "pousr".utf8.contains(bytes[i + 2]) && bytes[i + 3] == 0x5F {
                    let e = runEnd(i + 4, PIIBytes.isAlnum); if e - i == 40 && (e == bytes.count || !Self.tokenChar(bytes[e])) { span = (i, e) }
                }
            }
            if span == nil && b == 0x78 && boundary(i) && at(i, "xox") && i + 4 < bytes.count && "abprs".utf8.contains(bytes[i + 3]) && bytes[i + 4] == 0x2D {
                let e = runEnd(i + 5, Self.tokenChar); if e - i >= 15 { span = (i, e) }
            }
            if span == nil && b == 0x65 && boundary(i) && at(i, "eyJ") {
                let p1 = runEnd(i, Self.base64url)
                if p1 < bytes.count && bytes[p1] == 0x2E && at(p1 + 1, "eyJ") {
                    let p2 = runEnd(p1 + 1, Self.base64url)
                    if p2 < bytes.count && bytes[p2] == 0x2E {
                        let p3 = runEnd(p2 + 1, Self.base64url)
                        if p3 - p2 > 8 { span = (i, p3) }
                    }
                }
            }
            if span == nil && b == 0x2D && at(i, "-----BEGIN ") {
                let lineEnd = bytes[i...].firstIndex(of: 0x0A) ?? bytes.count
                let header = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<lineEnd]), as: UTF8.self)
                if header.hasSuffix("PRIVATE KEY-----"), Self.hasKeyBody(bytes, lineEnd) {
                    var k = lineEnd
                    while k + 9 <= bytes.count && !at(k, "-----END ") { k += 1 }
                    if k + 9 <= bytes.count {
                        let close = bytes[k...].firstIndex(of: 0x0A) ?? bytes.count
                        var e = close
                        while e > k && (bytes[e - 1] == 0x0D || bytes[e - 1] == 0x20) { e -= 1 }
                        span = (i, e)
                    }
                }
            }
            if span == nil && (b == 0x3D || b == 0x3A) {
                // name = value: the name just before (after quotes and spaces), the value after.
                var n = i
                while n > 0 && (bytes[n - 1] == 0x20 || bytes[n - 1] == 0x22 || bytes[n - 1] == 0x27) { n -= 1 }
                var s = n
                while s > 0 && (Self.tokenChar(bytes[s - 1]) || bytes[s - 1] == 0x2E) { s -= 1 }
                if n - s <= 40, Self.isCredentialName(bytes, s, n) {
                    // A literal: quoted (and closed right after the value) or bare (not a call: `var.set(`).
                    var v = i + 1
                    while v < bytes.count && bytes[v] == 0x20 { v += 1 }
                    let quote: UInt8? = v < bytes.count && (bytes[v] == 0x22 || bytes[v] == 0x27) ? bytes[v] : nil
                    if quote != nil { v += 1 }
                    let e = runEnd(v, { $0 > 0x20 && $0 < 0x7F && !Self.valueStops.contains($0) })
                    let closed = quote.map { e < bytes.count && bytes[e] == $0 } ?? !(e < bytes.count && bytes[e] == 0x28)
                    if closed && e - v >= 8 && !Self.plainWord(bytes, v, e) && Self.entropy(Array(bytes[v..<e])[...]) >= Self.minEntropy {
                        span = (v, e)
                    }
                }
            }
            if let (a, e) = span { out.append(PIISpan(start: a, end: e, kind: kind)); i = e } else { i += 1 }
        }
    }
}

/// `url_credentials`: the `user:password` of `scheme://user:password@host`.
struct URLCredentialsDetector: PIIDetector {
    let kind = "url_credentials"

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        var i = 0
        while true {
            i = PIIBytes.next(0x3A, in: t, from: i)
            guard i + 3 < t.count else { break }
            guard t[i + 1] == 0x2F, t[i + 2] == 0x2F, i > 0, PIIBytes.isAlpha(t[i - 1]) else { i += 1; continue }
            let start = i + 3
            var j = start, colon = -1
            while j < t.count && t[j] > 0x20 && t[j] != 0x2F && t[j] != 0x40 && t[j] != 0x3F && t[j] != 0x23 {
                if t[j] == 0x3A && colon < 0 { colon = j }
                j += 1
            }
            if j < t.count && t[j] == 0x40 && colon > start && j > colon + 1 && j + 1 < t.count && PIIBytes.isAlnum(t[j + 1]) {
                out.append(PIISpan(start: start, end: j, kind: kind))
            }
            i = j
        }
    }
}
