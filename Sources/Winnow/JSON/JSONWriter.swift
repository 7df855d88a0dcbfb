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

    public static func appendQuoted(_ p: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        var runStart = 0
        let n = p.count
        var i = 0
        let base = UnsafeRawPointer(p.baseAddress)
        while i < n {
            if i + 8 <= n, let base {
                // No byte < 0x20, no '"', no '\\' in these 8 bytes (classic SWAR zero-byte tests).
                let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
                let control = (w &- lo &* 0x20) & ~w & hi
                let q = w ^ (lo &* 0x22), bs = w ^ (lo &* 0x5C)
                let quote = (q &- lo) & ~q & hi
                let slash = (bs &- lo) & ~bs & hi
                if control | quote | slash == 0 { i += 8; continue }
            }
            let b = p[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C { i += 1; continue }
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i])) }
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            default:
                let hex = Array("0123456789abcdef".utf8)
                out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
            i += 1
            runStart = i
        }
        if n > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<n])) }
        out.append(0x22)
    }
}
