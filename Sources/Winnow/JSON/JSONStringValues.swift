/// Rewriting the string values of a JSON object in place, byte for byte elsewhere: keys, numbers, spacing and
/// escapes of untouched strings stay exactly as they were (re-serialising would turn `1.0` into `1` and lose
/// integers past 2^53).
enum JSONStringValues {
    /// Calls `transform(field, value)` for every string value of the object `json` at any depth (`field` is the
    /// top-level key it sits under); a non-nil result replaces that value. Returns the rewritten object, or nil
    /// when nothing changed or the bytes are not a JSON object.
    static func rewrite(_ json: [UInt8], _ transform: (_ field: String, _ value: String) -> String?) -> [UInt8]? {
        json.withUnsafeBufferPointer { p -> [UInt8]? in
            var out: [UInt8] = []
            out.reserveCapacity(p.count + 16)
            var i = 0
            var changed = false
            var scratch: [UInt8] = []
            func ws() { while i < p.count, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D || p[i] == 0x0A { out.append(p[i]); i += 1 } }
            func copy(from s: Int) { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[s..<i])) }
            func value(_ field: String, _ depth: Int) -> Bool {
                ws()
                guard i < p.count, depth < 256 else { return false }
                switch p[i] {
                case 0x22:
                    let s = i
                    scratch.removeAll(keepingCapacity: true)
                    if JSONScan.string(p, &i, decodeInto: &scratch) != nil { return false }
                    if depth > 0, let str = String(validating: scratch, as: UTF8.self), let new = transform(field, str) {
                        JSONEscape.appendQuoted(new, to: &out)
                        changed = true
                    } else { copy(from: s) }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = p[i] == UInt8(ascii: "{")
                    let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    out.append(p[i]); i += 1; ws()
                    if i < p.count, p[i] == close { out.append(close); i += 1; return true }
                    while true {
                        var child = field
                        if isObject {
                            ws()
                            guard i < p.count, p[i] == 0x22 else { return false }
                            let s = i
                            scratch.removeAll(keepingCapacity: true)
                            if JSONScan.string(p, &i, decodeInto: &scratch) != nil { return false }
                            if depth == 0 { child = String(decoding: scratch, as: UTF8.self) }
                            copy(from: s); ws()
                            guard i < p.count, p[i] == UInt8(ascii: ":") else { return false }
                            out.append(p[i]); i += 1
                        }
                        guard value(child, depth + 1) else { return false }
                        ws()
                        guard i < p.count else { return false }
                        out.append(p[i]); i += 1
                        if p[i - 1] == close { return true }
                        guard p[i - 1] == UInt8(ascii: ",") else { return false }
                    }
                default:
                    let s = i
                    if JSONScan.skipValue(p, &i, depth: depth) != nil { return false }
                    copy(from: s)
                }
                return true
            }
            guard p.first(where: { $0 > 0x20 }) == UInt8(ascii: "{"), value("", 0) else { return nil }
            ws()
            return changed && i == p.count ? out : nil
        }
    }
}
