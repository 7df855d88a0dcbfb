/// Writes JSON values: compact canonical form (sorted keys, for hashing), compact in key order,
/// or pretty-printed in key order.
public enum JSONWriter {
    /// Compact JSON with object keys sorted by their UTF-8 bytes; the basis of a spec's canonical SHA-256.
    public static func canonical(_ v: JSONValue) -> String {
        var out = [UInt8](); write(v, into: &out, sortKeys: true, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Compact JSON in document key order.
    public static func compact(_ v: JSONValue) -> String {
        var out = [UInt8](); write(v, into: &out, sortKeys: false, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Two-space indented JSON in document key order, with a trailing newline.
    public static func pretty(_ v: JSONValue) -> String {
        var out = [UInt8](); write(v, into: &out, sortKeys: false, indent: 2, level: 0)
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends a JSON number: integers without a fraction, others in Swift's shortest round-trip form.
    public static func appendNumber(_ d: Double, to out: inout [UInt8]) {
        if d.isNaN || d.isInfinite { out += Array("null".utf8); return }
        if d.rounded() == d, abs(d) < 9.0e15 { out += Array(String(Int64(d)).utf8) } else { out += Array("\(d)".utf8) }
    }

    private static func write(_ v: JSONValue, into out: inout [UInt8], sortKeys: Bool, indent: Int?, level: Int) {
        switch v {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let d): appendNumber(d, to: &out)
        case .string(let s): JSONEscape.appendQuoted(s, to: &out)
        case .array(let a):
            if a.isEmpty { out += Array("[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (n, e) in a.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                write(e, into: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out += Array("{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            var pairs = o.pairs
            if sortKeys { pairs.sort { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) } }
            for (n, (k, e)) in pairs.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                JSONEscape.appendQuoted(k, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                write(e, into: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
            }
            newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int?, _ level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out += [UInt8](repeating: 0x20, count: indent * level)
    }
}

/// JSON string escaping on UTF-8 bytes: only `"`, `\` and control characters are escaped;
/// everything else is copied as is, in runs.
public enum JSONEscape {
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendQuoted($0, to: &out) }
    }

    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    /// For each byte: 0 when it is written as is, the letter after the backslash for a two-byte escape, 0xFF for
    /// `\u00XX`.
    static let escapes: [UInt8] = (0..<256).map { b -> UInt8 in
        switch b {
        case 0x22, 0x5C: return UInt8(b)
        case 0x0A: return UInt8(ascii: "n")
        case 0x0D: return UInt8(ascii: "r")
        case 0x09: return UInt8(ascii: "t")
        case 0x08: return UInt8(ascii: "b")
        case 0x0C: return UInt8(ascii: "f")
        case 0..<0x20: return 0xFF
        default: return 0
        }
    }

    /// Whether none of the 8 bytes in `w` is below 0x20, `"` or `\` (classic SWAR zero-byte tests).
    @inline(__always) static func clean(_ w: UInt64) -> Bool {
        let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
        let control = (w &- lo &* 0x20) & ~w & hi
        let q = w ^ (lo &* 0x22), bs = w ^ (lo &* 0x5C)
        let quote = (q &- lo) & ~q & hi
        let slash = (bs &- lo) & ~bs & hi
        return control | quote | slash == 0
    }

    /// Bytes escaping adds for `b`: 1 for `"`, `\` and the controls with a short escape, 5 for other controls.
    @inline(__always) static func extra(_ b: UInt8) -> Int {
        if b >= 0x20 { return b == 0x22 || b == 0x5C ? 1 : 0 }
        switch b { case 0x0A, 0x0D, 0x09, 0x08, 0x0C: return 1; default: return 5 }
    }

    /// Two passes: the first counts what escaping adds, so the output grows once and the second writes into it
    /// directly.
    public static func appendQuoted(_ p: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let n = p.count
        guard let base = p.baseAddress, n > 0 else { out.append(0x22); out.append(0x22); return }
        let raw = UnsafeRawPointer(base)
        var added = 0
        var i = 0
        while i < n {
            if i + 8 <= n, clean(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { i += 8; continue }
            added += extra(base[i])
            i += 1
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: n + added + 2))
        out.withUnsafeMutableBufferPointer { o in
            let dst = o.baseAddress! + start
            dst[0] = 0x22
            guard added > 0 else {
                (dst + 1).update(from: base, count: n)
                dst[n + 1] = 0x22
                return
            }
            // Clean 8-byte words are stored whole (no call per run: HTML has a quote or newline every few words).
            let out = UnsafeMutableRawPointer(dst)
            let escapes = Self.escapes
            var w = 1, i = 0
            while i < n {
                if i + 8 <= n {
                    let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if clean(word) { out.storeBytes(of: word, toByteOffset: w, as: UInt64.self); i += 8; w += 8; continue }
                }
                // A dirty word: its 8 bytes one by one, without branches for the two-byte escapes.
                let end = min(n, i + 8)
                while i < end {
                    let b = base[i]
                    let e = escapes[Int(b)]
                    if e == 0xFF {                               // a control character without a short escape: \u00XX
                        dst[w] = 0x5C; dst[w + 1] = UInt8(ascii: "u"); dst[w + 2] = 0x30; dst[w + 3] = 0x30
                        dst[w + 4] = hexDigit(b >> 4); dst[w + 5] = hexDigit(b & 15); w += 6
                    } else {
                        let esc = e != 0
                        dst[w] = esc ? 0x5C : b
                        dst[w + 1] = e                           // overwritten by the next byte when not an escape
                        w += esc ? 2 : 1
                    }
                    i += 1
                }
            }
            dst[w] = 0x22
        }
    }
}
