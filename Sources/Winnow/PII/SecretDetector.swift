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

    /// A token shape an issuer documents: a fixed prefix, then a body of `alphabet` whose length is in `lengths`;
    /// `marker` must occur in the body when given (OpenAI's `T3BlbkFJ`).
    struct TokenShape {
        let issuer: String
        let prefix: [UInt8]
        let alphabet: (UInt8) -> Bool
        let lengths: ClosedRange<Int>
        var marker: [UInt8]? = nil
        /// The body ends at a byte outside the alphabet that is not a token character either (no partial matches).
        init(_ issuer: String, _ prefix: String, _ alphabet: @escaping (UInt8) -> Bool, _ lengths: ClosedRange<Int>, marker: String? = nil) {
            self.issuer = issuer; self.prefix = Array(prefix.utf8); self.alphabet = alphabet; self.lengths = lengths; self.marker = marker.map { Array($0.utf8) }
        }
    }

    static let alnum: (UInt8) -> Bool = PIIBytes.isAlnum
    static let letters: (UInt8) -> Bool = PIIBytes.isAlpha
    static let urlsafe: (UInt8) -> Bool = { PIIBytes.isAlnum($0) || $0 == 0x5F || $0 == 0x2D }
    static let hex: (UInt8) -> Bool = PIIBytes.isHex
    static let lowerHex: (UInt8) -> Bool = { PIIBytes.isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) }

    /// Token shapes as their issuers document them.
    static let shapes: [TokenShape] = [
        TokenShape("gitlab", "glpat-", urlsafe, 20...64), TokenShape("gitlab", "gldt-", urlsafe, 20...64), TokenShape("gitlab", "glrt-", urlsafe, 20...64),
        TokenShape("stripe", "sk_live_", alnum, 24...247), TokenShape("stripe", "rk_live_", alnum, 24...247), TokenShape("stripe", "pk_live_", alnum, 24...247),
        TokenShape("openai", "sk-proj-", urlsafe, 40...300), TokenShape("openai", "sk-svcacct-", urlsafe, 40...300), TokenShape("openai", "sk-admin-", urlsafe, 40...300),
        TokenShape("openai", "sk-", urlsafe, 40...200, marker: "T3BlbkFJ"),
        TokenShape("huggingface", "hf_", letters, 34...34),
        TokenShape("npm", "npm_", alnum, 36...36),
        TokenShape("pypi", "pypi-AgEIcHlwaS5vcmc", urlsafe, 50...400),
        TokenShape("twilio", "SK", lowerHex, 32...32),
        TokenShape("mailgun", "key-", lowerHex, 32...32),
        TokenShape("digitalocean", "dop_v1_", lowerHex, 64...64), TokenShape("digitalocean", "doo_v1_", lowerHex, 64...64), TokenShape("digitalocean", "dor_v1_", lowerHex, 64...64),
        TokenShape("shopify", "shpat_", hex, 32...32), TokenShape("shopify", "shpca_", hex, 32...32), TokenShape("shopify", "shppa_", hex, 32...32), TokenShape("shopify", "shpss_", hex, 32...32),
        TokenShape("square", "EAAA", urlsafe, 60...60), TokenShape("square", "sq0atp-", urlsafe, 22...22), TokenShape("square", "sq0csp-", urlsafe, 43...43),
    ]
    /// Shapes by their prefix's first byte.
    static let shapesByByte: [[TokenShape]] = (0..<256).map { b in shapes.filter { $0.prefix[0] == UInt8(b) } }
    /// The first two bytes of every shape's prefix: most token starts are ruled out by one lookup.
    static let prefixPairs: [Bool] = {
        var t = [Bool](repeating: false, count: 65536)
        for s in shapes { t[Int(s.prefix[0]) << 8 | Int(s.prefix[1])] = true }
        return t
    }()

    /// The end of a token of `shape` at `i`, if one is there.
    static func match(_ shape: TokenShape, _ t: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let p = shape.prefix
        guard i + p.count < t.count else { return nil }
        for k in 0..<p.count where t[i + k] != p[k] { return nil }
        var e = i + p.count
        while e < t.count && shape.alphabet(t[e]) && e - i - p.count <= shape.lengths.upperBound { e += 1 }
        guard shape.lengths.contains(e - i - p.count), e == t.count || !tokenChar(t[e]) else { return nil }
        if let m = shape.marker {
            guard e - i >= m.count, (i + p.count...(e - m.count)).contains(where: { s in (0..<m.count).allSatisfy { t[s + $0] == m[$0] } }) else { return nil }
        }
        return e
    }

    /// SendGrid `SG.<22>.<43>`, Telegram bot `<8–10 digits>:AA<33>`, Discord `<[MNO] 23–25>.<6>.<27–38>`.
    static func dotted(_ t: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        func run(_ from: Int, _ ok: (UInt8) -> Bool) -> Int { var j = from; while j < t.count && ok(t[j]) { j += 1 }; return j }
        let b = t[i]
        if b == 0x53, i + 3 < t.count, t[i + 1] == 0x47, t[i + 2] == 0x2E {
            let a = run(i + 3, urlsafe)
            if a - i - 3 == 22, a < t.count, t[a] == 0x2E { let c = run(a + 1, urlsafe); if c - a - 1 == 43 { return c } }
        }
        if PIIBytes.isDigit(b) {
            let a = run(i, PIIBytes.isDigit)
            if (8...10).contains(a - i), a + 3 < t.count, t[a] == 0x3A, t[a + 1] == 0x41, t[a + 2] == 0x41 {
                let c = run(a + 3, urlsafe); if c - a - 3 == 33 { return c }
            }
        }
        if b == 0x4D || b == 0x4E || b == 0x4F {
            let a = run(i, alnum)
            if (24...26).contains(a - i), a < t.count, t[a] == 0x2E {
                let c = run(a + 1, urlsafe)
                if c - a - 1 == 6, c < t.count, t[c] == 0x2E { let d = run(c + 1, urlsafe); if (27...38).contains(d - c - 1) { return d } }
            }
        }
        return nil
    }

    /// An AWS secret access key: 40 characters of base64 (no `=`), bounded, within 120 bytes after an access key id.
    static func awsSecret(_ t: UnsafeBufferPointer<UInt8>, after idEnd: Int) -> (Int, Int)? {
        var i = idEnd
        let limit = min(t.count, idEnd + 120)
        func b64(_ b: UInt8) -> Bool { PIIBytes.isAlnum(b) || b == 0x2B || b == 0x2F }
        while i < limit {
            if b64(t[i]) && (i == 0 || !b64(t[i - 1])) {
                var e = i
                while e < t.count && b64(t[e]) { e += 1 }
                if e - i == 40 && (e == t.count || !(tokenChar(t[e]) || t[e] == 0x3D)) {
                    let s = Array(t[i..<e])
                    // Mixed case and digits, as random keys are (not a 40-letter word or path).
                    if s.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) && s.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) && entropy(s[...]) >= 4.0 { return (i, e) }
                }
                i = e
            } else { i += 1 }
        }
        return nil
    }
    static let names = ["password", "passwd", "pwd", "secret", "api_key", "apikey", "api-key", "token", "access_token", "auth_token",
                        "client_secret", "secret_key", "private_key", "aws_secret_access_key", "secret_access_key"]
    static let minEntropy = 3.0
    static let nameBytes = names.map { Array($0.utf8) }

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

    /// Byte classes: bit 0 a token byte (letters, digits, `_`, `-`), bit 1 a byte of a long run (a token byte, `.` or
    /// `:`: JWTs, SendGrid, Discord and Telegram tokens are dotted or coloned).
    static let classes: [UInt8] = (0..<256).map { b in
        let c = UInt8(b)
        return (tokenChar(c) ? 1 : 0) | (tokenChar(c) || c == 0x2E || c == 0x3A ? 2 : 0)
    }
    /// Every token shape lies in a run of at least this many run bytes (the shortest: a Slack token, 15).
    static let minRun = 15

    func find(_ t: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        let base = out.count
        Self.classes.withUnsafeBufferPointer { classes in findTokens(t, classes: classes, into: &out) }
        findAssignments(t, into: &out)
        findPrivateKeys(t, into: &out)
        // The three passes may find one secret twice (`token = "ghp_…"`): sorted, the earlier and then longer wins.
        if out.count - base > 1 {
            var found = Array(out[base...])
            found.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
            out.removeSubrange(base...)
            for s in found where out.count == base || s.start >= out[out.count - 1].end { out.append(s) }
        }
    }

    /// Token shapes. Every token lies in a run of at least `minRun` run bytes, and prose has few such runs: 64 bytes
    /// at a time, a bit mask of run bytes (eight bytes per word operation) is ANDed with itself shifted until a bit
    /// stands only where 15 run bytes end; a block without one is passed over whole. The last bytes, and texts
    /// shorter than a block, go in strides: the byte `minRun - 1` ahead is read, and when it ends no long run,
    /// everything before it is skipped unread.
    private func findTokens(_ bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        let n = bytes.count, minRun = Self.minRun
        @inline(__always) func isRun(_ k: Int) -> Bool { classes[Int(bytes[k])] & 2 != 0 }
        var floor = 0                       // bytes before this were read (or are inside a finding)
        var i = 0
        if let base = bytes.baseAddress, n >= 64 {
            let raw = UnsafeRawPointer(base)
            // The masks of the previous block at each doubling (runs of 1, 2, 4 and 8 bytes ending at each bit).
            var p0: UInt64 = 0, p1: UInt64 = 0, p2: UInt64 = 0, p3: UInt64 = 0
            while i + 64 <= n {
                var m: UInt64 = 0
                for k in 0..<8 { m |= Self.runBits(raw.loadUnaligned(fromByteOffset: i + 8 * k, as: UInt64.self)) << UInt64(8 * k) }
                let a1 = m & (m << 1 | p0 >> 63)
                let a2 = a1 & (a1 << 2 | p1 >> 62)
                let a3 = a2 & (a2 << 4 | p2 >> 60)
                let a4 = a3 & (a3 << 7 | p3 >> 57)
                if a4 == 0 { p0 = m; p1 = a1; p2 = a2; p3 = a3; i += 64; continue }
                // A run of 15 ends at this bit: read the run whole, then go on after it with no history.
                let p = i + a4.trailingZeroBitCount
                var s = p
                while s > floor && isRun(s - 1) { s -= 1 }
                var e = p + 1
                while e < n && isRun(e) { e += 1 }
                floor = tokens(bytes, classes: classes, run: s, e, into: &out) + 1
                i = floor
                p0 = 0; p1 = 0; p2 = 0; p3 = 0
            }
            // The strides below need the start of the run `i` is in.
            while i > floor && isRun(i - 1) { i -= 1 }
        }
        // Strides: no run starting before i is unread; bytes[i - 1] ends a run (or i is the floor).
        while i + minRun <= n {
            let p = i + minRun - 1
            guard isRun(p) else { i = p + 1; continue }
            var s = p
            while s > i && isRun(s - 1) { s -= 1 }
            var e = p + 1
            while e < n && isRun(e) { e += 1 }
            i = (e - s >= minRun ? tokens(bytes, classes: classes, run: s, e, into: &out) : e) + 1
        }
    }

    /// Eight bytes' run-byte flags (letters, digits, `_`, `-`, `.`, `:`) as the low eight bits, byte k at bit k.
    @inline(__always) static func runBits(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, high = ones &* 0x80, low7 = ones &* 0x7F
        // The high bit of each byte b with lo < b < hi (exact per byte for ASCII; bytes ≥ 0x80 never count).
        @inline(__always) func between(_ w: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
            let x = w & low7
            return ((ones &* (127 + hi)) &- x) & ~w & (x &+ ones &* (127 - lo)) & high
        }
        let u = w ^ (ones &* 0x5F)
        let underscore = ~(((u & low7) &+ low7) | u) & high
        let flags = between(w, 0x2F, 0x3B) | between(w | (ones &* 0x20), 0x60, 0x7B) | between(w, 0x2C, 0x2F) | underscore
        // One bit per byte, gathered into the top byte by a multiply, then moved down.
        return ((flags >> 7) &* 0x0102_0408_1020_4080) >> 56
    }

    /// Every token start in the long run bytes[s..<e] (its start, and after each `.` or `:`); returns where the
    /// scan goes on from (the run's end, or past the last finding when that lies beyond).
    private func tokens(_ bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<UInt8>, run s: Int, _ e: Int, into out: inout [PIISpan]) -> Int {
        var j = s, furthest = e
        while j < e {
            guard classes[Int(bytes[j])] & 1 != 0, j == 0 || classes[Int(bytes[j - 1])] & 1 == 0 else { j += 1; continue }
            if let spans = token(bytes, at: j) {
                out.append(contentsOf: spans)
                j = spans[spans.count - 1].end
                furthest = max(furthest, j)
                continue
            }
            while j < e && classes[Int(bytes[j])] & 1 != 0 { j += 1 }
        }
        return furthest
    }

    /// The token starting at `i` (the start of a token), with an AWS secret key after an access key id.
    private func token(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> [PIISpan]? {
        func at(_ i: Int, _ s: StaticString) -> Bool { Self.matches(bytes, i, s) }
        func runEnd(_ i: Int, _ ok: (UInt8) -> Bool) -> Int { Self.runEnd(bytes, i, ok) }
        func one(_ a: Int, _ e: Int) -> [PIISpan] { [PIISpan(start: a, end: e, kind: kind)] }
        let b = bytes[i]
        guard i + 1 < bytes.count else { return nil }
        if b == 0x41 && (at(i, "AKIA") || at(i, "ASIA")) {
            let e = runEnd(i, { ($0 >= 0x41 && $0 <= 0x5A) || PIIBytes.isDigit($0) })
            if e - i == 20 && (e == bytes.count || !Self.tokenChar(bytes[e])) {
                // The key id, then its secret beside it.
                if let secret = Self.awsSecret(bytes, after: e) { return [PIISpan(start: i, end: e, kind: kind), PIISpan(start: secret.0, end: secret.1, kind: kind)] }
                return one(i, e)
            }
        }
        if Self.prefixPairs[Int(b) << 8 | Int(bytes[i + 1])] {
            for shape in Self.shapesByByte[Int(b)] {
                if let e = Self.match(shape, bytes, at: i) { return one(i, e) }
            }
        }
        // SendGrid, Telegram (digits), Discord (M, N, O).
        if b == 0x53 || b == 0x4D || b == 0x4E || b == 0x4F || PIIBytes.isDigit(b), let e = Self.dotted(bytes, at: i) { return one(i, e) }
        if b == 0x41 && at(i, "AIza") {
            let e = runEnd(i, Self.base64url)
            if e - i == 39 { return one(i, e) }
        }
        if b == 0x67 {
            if at(i, "github_pat_") { let e = runEnd(i, Self.tokenChar); if e - i == 93 { return one(i, e) } }
            else if at(i, "gh") && i + 3 < bytes.count && "pousr".utf8.contains(bytes[i + 2]) && bytes[i + 3] == 0x5F {
                let e = runEnd(i + 4, PIIBytes.isAlnum); if e - i == 40 && (e == bytes.count || !Self.tokenChar(bytes[e])) { return one(i, e) }
            }
        }
        if b == 0x78 && at(i, "xox") && i + 4 < bytes.count && "abprs".utf8.contains(bytes[i + 3]) && bytes[i + 4] == 0x2D {
            let e = runEnd(i + 5, Self.tokenChar); if e - i >= 15 { return one(i, e) }
        }
        if b == 0x65 && at(i, "eyJ") {
            let p1 = runEnd(i, Self.base64url)
            if p1 < bytes.count && bytes[p1] == 0x2E && at(p1 + 1, "eyJ") {
                let p2 = runEnd(p1 + 1, Self.base64url)
                if p2 < bytes.count && bytes[p2] == 0x2E {
                    let p3 = runEnd(p2 + 1, Self.base64url)
                    if p3 - p2 > 8 { return one(i, p3) }
                }
            }
        }
        return nil
    }

    /// `name = value` and Azure's `AccountKey=`: at each `=` and `:` (found eight bytes at a time).
    private func findAssignments(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base), n = bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasByte(_ w: UInt64, _ b: UInt8) -> Bool {
            let x = w ^ (ones &* UInt64(b))
            return (x &- ones) & ~x & high != 0
        }
        var i = 0
        while i < n {
            if i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if !hasByte(w, 0x3D) && !hasByte(w, 0x3A) { i += 8; continue }
            }
            let stop = min(n, i + 8)
            while i < stop {
                let b = bytes[i]
                if b == 0x3D || b == 0x3A, let span = assignment(bytes, at: i) {
                    out.append(PIISpan(start: span.0, end: span.1, kind: kind))
                    i = max(i + 1, span.1)
                    break
                }
                i += 1
            }
        }
    }

    /// The credential assigned at `i` (a `=` or `:`), if a credential name stands before it.
    private func assignment(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Int, Int)? {
        func runEnd(_ i: Int, _ ok: (UInt8) -> Bool) -> Int { Self.runEnd(bytes, i, ok) }
        if bytes[i] == 0x3D && i >= 10 && Self.matches(bytes, i - 10, "AccountKey") {
            // Azure storage: an 88-character base64 key (86 and "==") in a connection string.
            let v = i + 1
            let e = runEnd(v, { PIIBytes.isAlnum($0) || $0 == 0x2B || $0 == 0x2F })
            if e - v == 86, e + 2 <= bytes.count, bytes[e] == 0x3D, bytes[e + 1] == 0x3D { return (v, e + 2) }
        }
        // name = value: the name just before (after quotes and spaces), the value after.
        var n = i
        while n > 0 && (bytes[n - 1] == 0x20 || bytes[n - 1] == 0x22 || bytes[n - 1] == 0x27) { n -= 1 }
        // Every credential name ends in d, t, y or n: most colons are ruled out here.
        guard n > 0 else { return nil }
        let last = bytes[n - 1] | 0x20
        guard last == 0x64 || last == 0x74 || last == 0x79 || last == 0x6E else { return nil }
        var s = n
        while s > 0 && (Self.tokenChar(bytes[s - 1]) || bytes[s - 1] == 0x2E) && n - s <= 40 { s -= 1 }
        guard n - s <= 40, Self.isCredentialName(bytes, s, n) else { return nil }
        // A literal: quoted (and closed right after the value) or bare (not a call: `var.set(`).
        var v = i + 1
        while v < bytes.count && bytes[v] == 0x20 { v += 1 }
        let quote: UInt8? = v < bytes.count && (bytes[v] == 0x22 || bytes[v] == 0x27) ? bytes[v] : nil
        if quote != nil { v += 1 }
        let e = runEnd(v, { $0 > 0x20 && $0 < 0x7F && !Self.valueStops.contains($0) })
        let closed = quote.map { e < bytes.count && bytes[e] == $0 } ?? !(e < bytes.count && bytes[e] == 0x28)
        guard closed && e - v >= 8 && !Self.plainWord(bytes, v, e) && Self.entropy(Array(bytes[v..<e])[...]) >= Self.minEntropy else { return nil }
        return (v, e)
    }

    /// The end of the run of bytes `ok` accepts from `i`.
    @inline(__always) static func runEnd(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ ok: (UInt8) -> Bool) -> Int {
        var j = i
        while j < bytes.count && ok(bytes[j]) { j += 1 }
        return j
    }

    /// Whether `bytes[at...]` starts with `s`.
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard at >= 0, at + n <= bytes.count else { return false }
        let p = s.utf8Start
        for k in 0..<n where bytes[at + k] != p[k] { return false }
        return true
    }

    /// PEM private-key blocks, header to footer (at each `-----BEGIN `, dashes found with memchr).
    private func findPrivateKeys(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [PIISpan]) {
        func at(_ i: Int, _ s: StaticString) -> Bool { Self.matches(bytes, i, s) }
        var i = 0
        while true {
            i = PIIBytes.next(0x2D, in: bytes, from: i)
            guard i < bytes.count else { break }
            guard at(i, "-----BEGIN ") else { i += 1; continue }
            // The header ends at its closing dashes (the block may sit in a JSON string with escaped newlines, as a
            // GCP service-account key does), or at the line's end.
            var headerEnd = i + 11
            while headerEnd + 5 <= bytes.count && headerEnd - i < 80 && bytes[headerEnd] != 0x0A && !at(headerEnd, "-----") { headerEnd += 1 }
            if headerEnd + 5 <= bytes.count && at(headerEnd, "-----") { headerEnd += 5 }
            let header = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<headerEnd]), as: UTF8.self)
            guard header.hasSuffix("PRIVATE KEY-----"), Self.hasKeyBody(bytes, headerEnd) else { i += 11; continue }
            var k = headerEnd
            while k + 9 <= bytes.count && !at(k, "-----END ") { k += 1 }
            guard k + 9 <= bytes.count else { i += 11; continue }
            // Through the footer's closing dashes; else to the end of its line.
            var e = k + 9
            while e + 5 <= bytes.count && e - k < 80 && bytes[e] != 0x0A && !at(e, "-----") { e += 1 }
            if e + 5 <= bytes.count && at(e, "-----") { e += 5 } else {
                e = bytes[k...].firstIndex(of: 0x0A) ?? bytes.count
                while e > k && (bytes[e - 1] == 0x0D || bytes[e - 1] == 0x20) { e -= 1 }
            }
            out.append(PIISpan(start: i, end: e, kind: kind))
            i = e
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
