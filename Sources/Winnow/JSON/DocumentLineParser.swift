/// The JSONL hot path: validates one line as a JSON object, decodes only the text and id fields,
/// and keeps every other field as raw JSON bytes (no re-serialisation). A key given twice keeps its last value
/// (as Python's `json`, and so datatrove, read it) at its first position; `duplicateKeys` names such keys.
struct DocumentLineParser {
    /// Why a line could not become a document; `code` is the lineage `reason`.
    struct Failure: Error {
        let code: String
        let message: String
    }

    let textKey: [UInt8]
    let idKey: [UInt8]

    /// Decoded fields of the last parsed line; buffers are reused across lines.
    var text: [UInt8] = []
    /// The text exactly as escaped in the line (between its quotes), so an unchanged text is written back
    /// without escaping it again.
    var rawText: [UInt8] = []
    var id: [UInt8] = []
    var hasID = false
    /// Whether the id was a JSON string (else a number).
    var idWasString = false
    var metadata: [UInt8] = []
    /// Keys that occurred more than once in the last line (empty for almost every line).
    var duplicateKeys: [String] = []
    private var keyScratch: [UInt8] = []
    /// The last line's metadata keys (decoded, back to back) and where each key's `"key":value` sits in `metadata`.
    private var metaKeyBytes: [UInt8] = []
    private var metaEntries: [(key: Range<Int>, entry: Range<Int>)] = []

    init(textField: String, idField: String) {
        textKey = Array(textField.utf8)
        idKey = Array(idField.utf8)
        text.reserveCapacity(1 << 16)
    }

    /// Parses `line` (without its newline). On success `text`, `id`/`hasID` and `metadata` hold the fields.
    mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> Failure? {
        text.removeAll(keepingCapacity: true)
        rawText.removeAll(keepingCapacity: true)
        id.removeAll(keepingCapacity: true)
        metadata.removeAll(keepingCapacity: true)
        metaKeyBytes.removeAll(keepingCapacity: true)
        metaEntries.removeAll(keepingCapacity: true)
        if !duplicateKeys.isEmpty { duplicateKeys.removeAll() }
        hasID = false
        idWasString = false
        var metadataDuplicated = false
        var i = 0
        let n = line.count
        var hasText = false
        var seenID = false, seenText = false
        @inline(__always) func ws() { while i < n, line[i] == 0x20 || line[i] == 0x09 || line[i] == 0x0D || line[i] == 0x0A { i += 1 } }
        ws()
        guard i < n, line[i] == UInt8(ascii: "{") else {
            return Failure(code: "invalid_json", message: i < n ? "expected a JSON object" : "empty line")
        }
        i += 1
        ws()
        if i < n, line[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                ws()
                guard i < n, line[i] == 0x22 else { return Failure(code: "invalid_json", message: "expected a string key at byte \(i)") }
                let keyStart = i
                keyScratch.removeAll(keepingCapacity: true)
                if let f = JSONScan.string(line, &i, decodeInto: &keyScratch) { return f }
                let keyEnd = i
                ws()
                guard i < n, line[i] == UInt8(ascii: ":") else { return Failure(code: "invalid_json", message: "expected ':' at byte \(i)") }
                i += 1
                ws()
                guard i < n else { return Failure(code: "invalid_json", message: "unexpected end of line") }
                if keyScratch == textKey {
                    if seenText { duplicateKeys.append(String(decoding: keyScratch, as: UTF8.self)); text.removeAll(keepingCapacity: true); rawText.removeAll(keepingCapacity: true); hasText = false }
                    seenText = true
                    if line[i] == 0x22 {
                        let rawStart = i + 1
                        if let f = JSONScan.string(line, &i, decodeInto: &text) { return f }
                        rawText.append(contentsOf: UnsafeBufferPointer(rebasing: line[rawStart..<i - 1]))
                        hasText = true
                    } else if let f = JSONScan.skipValue(line, &i, depth: 0) { return f }
                } else if keyScratch == idKey {
                    if seenID { duplicateKeys.append(String(decoding: keyScratch, as: UTF8.self)); id.removeAll(keepingCapacity: true); hasID = false }
                    seenID = true
                    if line[i] == 0x22 {
                        if let f = JSONScan.string(line, &i, decodeInto: &id) { return f }
                        hasID = true
                        idWasString = true
                    } else {
                        let vStart = i
                        if let f = JSONScan.skipValue(line, &i, depth: 0) { return f }
                        let first = line[vStart]
                        if first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) {
                            id.append(contentsOf: UnsafeBufferPointer(rebasing: line[vStart..<i]))
                            hasID = true
                        } else if first != UInt8(ascii: "n") {
                            return Failure(code: "id_not_string", message: "field \"\(String(decoding: idKey, as: UTF8.self))\" is neither a string nor a number")
                        }
                    }
                } else {
                    let vStart = i
                    if let f = JSONScan.skipValue(line, &i, depth: 0) { return f }
                    let keyAt = metaKeyBytes.count
                    metaKeyBytes.append(contentsOf: keyScratch)
                    let key = keyAt..<metaKeyBytes.count
                    if metaEntries.contains(where: { $0.key.count == key.count && metaKeyBytes[$0.key].elementsEqual(metaKeyBytes[key]) }) {
                        let name = String(decoding: keyScratch, as: UTF8.self)
                        if !duplicateKeys.contains(name) { duplicateKeys.append(name) }
                        metadataDuplicated = true
                    }
                    let entryStart = metadata.count + 1
                    metadata.append(metadata.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
                    metadata.append(contentsOf: UnsafeBufferPointer(rebasing: line[keyStart..<keyEnd]))
                    metadata.append(UInt8(ascii: ":"))
                    metadata.append(contentsOf: UnsafeBufferPointer(rebasing: line[vStart..<i]))
                    metaEntries.append((key, entryStart..<metadata.count))
                }
                ws()
                guard i < n else { return Failure(code: "invalid_json", message: "unexpected end of line (unterminated object)") }
                if line[i] == UInt8(ascii: ",") { i += 1; continue }
                if line[i] == UInt8(ascii: "}") { i += 1; break }
                return Failure(code: "invalid_json", message: "expected ',' or '}' at byte \(i)")
            }
        }
        ws()
        if i != n { return Failure(code: "invalid_json", message: "unexpected content after the object at byte \(i)") }
        if metadataDuplicated { keepLastValues() }
        if !metadata.isEmpty { metadata.append(UInt8(ascii: "}")) }
        if seenText && !hasText {
            return Failure(code: "text_not_string", message: "field \"\(String(decoding: textKey, as: UTF8.self))\" is not a string")
        }
        if !hasText {
            return Failure(code: "missing_text", message: "no \"\(String(decoding: textKey, as: UTF8.self))\" field")
        }
        // The text is checked when it becomes a String (`makeText`); the small fields here, so that what is
        // copied into the output as is is valid UTF-8 too.
        for field in [id, metadata] {
            if let bad = field.withUnsafeBufferPointer({ UTF8Validation.firstInvalidOffset($0) }) {
                return Failure(code: "invalid_utf8", message: "invalid UTF-8 in \(field == id ? "the id" : "a metadata field") at byte \(bad)")
            }
        }
        return nil
    }

    /// Rebuilds `metadata` (without its closing brace) with one entry per key: the first key's position, the last
    /// key's value.
    private mutating func keepLastValues() {
        var rebuilt: [UInt8] = []
        rebuilt.reserveCapacity(metadata.count)
        for (n, e) in metaEntries.enumerated() {
            let key = metaKeyBytes[e.key]
            if metaEntries[..<n].contains(where: { metaKeyBytes[$0.key].elementsEqual(key) }) { continue }
            let last = metaEntries.last { metaKeyBytes[$0.key].elementsEqual(key) }!
            rebuilt.append(rebuilt.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            rebuilt.append(contentsOf: metadata[last.entry])
        }
        metadata = rebuilt
    }

    /// The decoded text as a String, validating its UTF-8 in the same pass; a failure if it is invalid.
    func makeText() -> Result<String, Failure> {
        if let s = String(validating: text, as: UTF8.self) { return .success(s) }
        let at = text.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } ?? 0
        return .failure(Failure(code: "invalid_utf8", message: "invalid UTF-8 in the text at byte \(at)"))
    }
}

/// Low-level JSON scanning over a byte buffer, shared by the line parser.
enum JSONScan {
    typealias Failure = DocumentLineParser.Failure

    /// Scans a string starting at the opening quote; appends its decoded bytes to `out`.
    @inline(__always)
    static func string(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, decodeInto out: inout [UInt8]) -> Failure? {
        let n = p.count
        i += 1
        var runStart = i
        let base = UnsafeRawPointer(p.baseAddress!)
        while i < n {
            if i + 8 <= n {
                // Skip 8 bytes at a time while none is a quote, a backslash or a control character.
                let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
                let q = w ^ (lo &* 0x22), bs = w ^ (lo &* 0x5C)
                let special = ((w &- lo &* 0x20) & ~w & hi) | ((q &- lo) & ~q & hi) | ((bs &- lo) & ~bs & hi)
                if special == 0 { i += 8; continue }
                // The lowest flagged byte is exact (borrows only disturb bytes above it): go straight to it.
                i += special.trailingZeroBitCount >> 3
            }
            let b = p[i]
            if b == 0x22 {
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i])) }
                i += 1
                return nil
            }
            if b == 0x5C {
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[runStart..<i])) }
                i += 1
                guard i < n else { break }
                let e = p[i]; i += 1
                switch e {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var cu = hex4(p, &i) else { return Failure(code: "invalid_json", message: "invalid \\u escape at byte \(i)") }
                    if cu >= 0xD800 && cu < 0xDC00 {
                        guard i + 1 < n, p[i] == 0x5C, p[i + 1] == UInt8(ascii: "u") else {
                            return Failure(code: "invalid_utf8", message: "unpaired surrogate \\u escape at byte \(i)")
                        }
                        i += 2
                        guard let lo = hex4(p, &i), lo >= 0xDC00, lo < 0xE000 else {
                            return Failure(code: "invalid_utf8", message: "unpaired surrogate \\u escape at byte \(i)")
                        }
                        cu = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00)
                    } else if cu >= 0xDC00 && cu < 0xE000 {
                        return Failure(code: "invalid_utf8", message: "unpaired surrogate \\u escape at byte \(i)")
                    }
                    UTF8Encoding.append(scalar: cu, to: &out)
                default:
                    return Failure(code: "invalid_json", message: "invalid escape at byte \(i - 1)")
                }
                runStart = i
                continue
            }
            if b < 0x20 { return Failure(code: "invalid_json", message: "control character in string at byte \(i)") }
            i += 1
        }
        return Failure(code: "invalid_json", message: "unterminated string")
    }

    @inline(__always)
    static func hex4(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> UInt32? {
        guard i + 4 <= p.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexDigit(p[i]) else { return nil }
            v = v << 4 | d; i += 1
        }
        return v
    }

    /// Validates and skips one JSON value.
    static func skipValue(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, depth: Int) -> Failure? {
        let n = p.count
        guard depth < 256 else { return Failure(code: "invalid_json", message: "nesting deeper than 256") }
        guard i < n else { return Failure(code: "invalid_json", message: "unexpected end of line") }
        @inline(__always) func ws() { while i < n, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D || p[i] == 0x0A { i += 1 } }
        switch p[i] {
        case 0x22:
            i += 1
            while i < n {
                let b = p[i]
                if b == 0x22 { i += 1; return nil }
                if b == 0x5C {
                    i += 1
                    guard i < n else { break }
                    let e = p[i]
                    if e == UInt8(ascii: "u") {
                        i += 1
                        guard hex4(p, &i) != nil else { return Failure(code: "invalid_json", message: "invalid \\u escape at byte \(i)") }
                        continue
                    }
                    guard e == 0x22 || e == 0x5C || e == 0x2F || e == UInt8(ascii: "b") || e == UInt8(ascii: "f")
                        || e == UInt8(ascii: "n") || e == UInt8(ascii: "r") || e == UInt8(ascii: "t")
                    else { return Failure(code: "invalid_json", message: "invalid escape at byte \(i)") }
                    i += 1
                    continue
                }
                if b < 0x20 { return Failure(code: "invalid_json", message: "control character in string at byte \(i)") }
                i += 1
            }
            return Failure(code: "invalid_json", message: "unterminated string")
        case UInt8(ascii: "{"):
            i += 1; ws()
            if i < n, p[i] == UInt8(ascii: "}") { i += 1; return nil }
            while true {
                ws()
                guard i < n, p[i] == 0x22 else { return Failure(code: "invalid_json", message: "expected a string key at byte \(i)") }
                if let f = skipValue(p, &i, depth: depth + 1) { return f }
                ws()
                guard i < n, p[i] == UInt8(ascii: ":") else { return Failure(code: "invalid_json", message: "expected ':' at byte \(i)") }
                i += 1; ws()
                if let f = skipValue(p, &i, depth: depth + 1) { return f }
                ws()
                guard i < n else { return Failure(code: "invalid_json", message: "unexpected end of line in object") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; return nil }
                return Failure(code: "invalid_json", message: "expected ',' or '}' at byte \(i)")
            }
        case UInt8(ascii: "["):
            i += 1; ws()
            if i < n, p[i] == UInt8(ascii: "]") { i += 1; return nil }
            while true {
                ws()
                if let f = skipValue(p, &i, depth: depth + 1) { return f }
                ws()
                guard i < n else { return Failure(code: "invalid_json", message: "unexpected end of line in array") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; return nil }
                return Failure(code: "invalid_json", message: "expected ',' or ']' at byte \(i)")
            }
        case UInt8(ascii: "t"): return literal(p, &i, [0x74, 0x72, 0x75, 0x65])
        case UInt8(ascii: "f"): return literal(p, &i, [0x66, 0x61, 0x6C, 0x73, 0x65])
        case UInt8(ascii: "n"): return literal(p, &i, [0x6E, 0x75, 0x6C, 0x6C])
        default:
            let start = i
            if p[i] == UInt8(ascii: "-") { i += 1 }
            guard i < n, p[i] >= 0x30, p[i] <= 0x39 else { return Failure(code: "invalid_json", message: "invalid value at byte \(start)") }
            if p[i] == 0x30 { i += 1 } else { while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1 } }
            if i < n, p[i] == UInt8(ascii: ".") {
                i += 1
                guard i < n, p[i] >= 0x30, p[i] <= 0x39 else { return Failure(code: "invalid_json", message: "invalid number at byte \(start)") }
                while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
            }
            if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
                i += 1
                if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
                guard i < n, p[i] >= 0x30, p[i] <= 0x39 else { return Failure(code: "invalid_json", message: "invalid number at byte \(start)") }
                while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
            }
            return nil
        }
    }

    private static func literal(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ w: [UInt8]) -> Failure? {
        guard i + w.count <= p.count else { return Failure(code: "invalid_json", message: "invalid literal at byte \(i)") }
        for k in 0..<w.count where p[i + k] != w[k] { return Failure(code: "invalid_json", message: "invalid literal at byte \(i)") }
        i += w.count
        return nil
    }
}

/// UTF-8 validation with an ASCII fast path (8 bytes at a time).
enum UTF8Validation {
    static func isValid(_ p: UnsafeBufferPointer<UInt8>) -> Bool { firstInvalidOffset(p) == nil }

    /// Offset of the first byte that starts an invalid sequence, or nil if `p` is valid UTF-8.
    static func firstInvalidOffset(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = p.count
        guard let base = p.baseAddress else { return nil }
        var i = 0
        while i < n {
            if i + 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
            }
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            var need = 0
            var minScalar: UInt32 = 0
            var v: UInt32 = 0
            if b & 0xE0 == 0xC0 { need = 1; v = UInt32(b & 0x1F); minScalar = 0x80 }
            else if b & 0xF0 == 0xE0 { need = 2; v = UInt32(b & 0x0F); minScalar = 0x800 }
            else if b & 0xF8 == 0xF0 { need = 3; v = UInt32(b & 0x07); minScalar = 0x10000 }
            else { return i }
            guard i + need < n else { return i }
            for k in 1...need {
                let c = p[i + k]
                guard c & 0xC0 == 0x80 else { return i }
                v = v << 6 | UInt32(c & 0x3F)
            }
            if v < minScalar || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) { return i }
            i += need + 1
        }
        return nil
    }
}
