import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lines (LF or CRLF) and exact byte counts from a byte stream, with the offset of what was consumed — the shape a
/// WARC file has: header lines, then a block of `Content-Length` bytes.
final class RecordStream {
    private let src: ByteSource
    private var buf: [UInt8] = []
    private var start = 0
    private var eof = false
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)
    /// Bytes consumed so far (of the decompressed stream).
    private(set) var offset: Int64 = 0

    let source: ByteSource

    init(_ src: ByteSource) { self.src = src; source = src }

    /// Reads more into the buffer; false at the end of the stream.
    private func fill() throws -> Bool {
        if eof { return false }
        if start > 0 && (start == buf.count || start > 1 << 20) { buf.removeFirst(start); start = 0 }
        let n = try scratch.withUnsafeMutableBytes { try src.read(into: $0) }
        if n == 0 { eof = true; return false }
        buf.append(contentsOf: scratch[0..<n])
        return true
    }

    /// The next line without its line ending; nil at the end. A line longer than `limit` throws.
    func line(limit: Int) throws -> [UInt8]? {
        var scanned = 0
        while true {
            if let i = buf[(start + scanned)...].firstIndex(of: 0x0A) {
                let end = i > start && buf[i - 1] == 0x0D ? i - 1 : i
                let l = Array(buf[start..<end])
                offset += Int64(i + 1 - start)
                start = i + 1
                return l
            }
            scanned = buf.count - start
            if scanned > limit { throw RecordFormatError("a header line longer than \(limit) bytes") }
            if try !fill() {
                guard start < buf.count else { return nil }
                let l = Array(buf[start...])
                offset += Int64(buf.count - start)
                start = buf.count
                return l
            }
        }
    }

    /// The next `n` bytes (fewer only where the stream ends).
    func bytes(_ n: Int) throws -> [UInt8] {
        while buf.count - start < n { if try !fill() { break } }
        let k = min(n, buf.count - start)
        let out = Array(buf[start..<start + k])
        start += k
        offset += Int64(k)
        return out
    }
}

struct RecordFormatError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One WARC record: its header fields (names lower-cased) and its block.
struct WARCRecord {
    var headers: [String: String] = [:]
    var block: [UInt8] = []
    var type: String { headers["warc-type"] ?? "" }
}

/// Reads WARC/1.0 and 1.1 files (`.warc`, or gzip: per record as Common Crawl ships them, or whole-file): `warc`
/// sources get one document per HTML `response` record (HTTP status 200), `wet` sources one per `conversion` record.
/// A record that is not well formed is a bad item naming its byte offset, and reading goes on at the next record; a
/// response that is not a 200 or not HTML is skipped with a reason lineage counts (`http_404`, `not_html`). Other
/// record types (`request`, `metadata`, `warcinfo`) are not documents and are passed over.
///
/// A record is named by its byte offset, which is its `line` in lineage: the file offset of its gzip member when the
/// record starts one (Common Crawl's layout; the offset its CDX index gives), else its offset in the file (`.warc`)
/// or in the decompressed stream (a file gzip-compressed whole). The partition may be a byte range that starts and
/// ends on record (uncompressed) or member (gzip) boundaries; the planner cuts only there.
struct WARCReader {
    let partition: Partition
    let source: SourceSpec
    let displayPath: String
    let maxBytes: Int
    var onBytes: ((Int) -> Void)?

    static let headerLineLimit = 1 << 16

    /// The byte offset that names the record starting at `position` of the (decompressed) stream.
    private func locate(_ position: Int64, in stream: RecordStream) -> Int64 {
        guard let gz = stream.source as? IsalGzipSource else { return partition.offset + position }
        guard let m = gz.memberStart(containing: position) else { return position }
        return m.atStart || partition.offset > 0 || partition.length != nil ? m.offset : position
    }

    func read(_ body: (InputItem) throws -> Void) throws {
        let stream = RecordStream(try openByteSource(path: partition.path, offset: partition.offset, length: partition.length, onBytes: onBytes))
        var pending: [UInt8]? = nil     // a version line found while looking for the next record
        var pendingAt: Int64 = 0
        while true {
            var recordStart = stream.offset
            let first: [UInt8]
            if let p = pending { first = p; recordStart = pendingAt } else {
                guard let l = try stream.line(limit: Self.headerLineLimit) else { return }
                first = l
            }
            pending = nil
            if first.isEmpty { continue }
            let number = Int(locate(recordStart, in: stream))
            let recordOffset = number
            func bad(_ reason: String, _ message: String) throws {
                try body(.bad(line: number, reason: reason, message: "record at byte \(recordOffset): \(message)"))
            }
            /// Skips to the next line that starts a record (after a record that could not be read).
            func resync() throws {
                while true {
                    let at = stream.offset
                    guard let l = try stream.line(limit: Self.headerLineLimit) else { return }
                    if Self.isVersionLine(l) { pending = l; pendingAt = at; return }
                }
            }
            guard Self.isVersionLine(first) else {
                try bad("invalid_warc_record", "expected a WARC/1.0 or WARC/1.1 version line, found \"\(Self.preview(first))\"")
                try resync()
                continue
            }
            var record = WARCRecord()
            var lastName: String? = nil
            var headersEnded = false
            while let l = try stream.line(limit: Self.headerLineLimit) {
                if l.isEmpty { headersEnded = true; break }
                if (l[0] == 0x20 || l[0] == 0x09), let n = lastName {       // a folded header line continues the last field
                    record.headers[n, default: ""] += " " + String(decoding: HeaderBytes.trimmed(l[...]), as: UTF8.self)
                    continue
                }
                guard let colon = l.firstIndex(of: UInt8(ascii: ":")) else {
                    try bad("invalid_warc_record", "header line without a colon: \"\(Self.preview(l))\"")
                    lastName = nil
                    continue
                }
                let name = HeaderBytes.lowercasedName(l[..<colon])
                record.headers[name] = String(decoding: HeaderBytes.trimmed(l[(colon + 1)...]), as: UTF8.self)
                lastName = name
            }
            guard headersEnded else {
                try bad("truncated_warc_record", "the file ends inside the record's headers")
                return
            }
            guard let length = record.headers["content-length"].flatMap({ Int($0) }), length >= 0 else {
                try bad("invalid_warc_record", "no valid Content-Length (\(record.headers["content-length"].map { "\"\($0)\"" } ?? "missing"))")
                try resync()
                continue
            }
            guard length <= maxBytes else {
                // Read past it in pieces, never holding it whole.
                var left = length
                while left > 0 { let got = try stream.bytes(min(left, 1 << 20)).count; if got == 0 { break }; left -= got }
                try bad("document_too_long", "a block of \(length) bytes is over max_line_bytes (\(maxBytes))")
                if left > 0 { return }
                continue
            }
            record.block = try stream.bytes(length)
            guard record.block.count == length else {
                try bad("truncated_warc_record", "the file ends inside the record's block (\(record.block.count) of \(length) bytes)")
                return
            }
            try handle(record, number: number, body)
        }
    }

    static func isVersionLine(_ l: [UInt8]) -> Bool { l.starts(with: Array("WARC/1.".utf8)) }

    static func preview(_ l: [UInt8]) -> String {
        let s = String(decoding: l.prefix(60), as: UTF8.self)
        return l.count > 60 ? s + "…" : s
    }

    private func handle(_ r: WARCRecord, number: Int, _ body: (InputItem) throws -> Void) throws {
        let id = r.headers["warc-record-id"] ?? "\(source.name):\(displayPath)@\(number)"
        switch (source.format, r.type) {
        case (.wet, "conversion"):
            let (text, invalid) = TextDecoding.decode(r.block, charset: "utf-8")       // WET text is UTF-8
            var doc = Document(id: id, text: text, source: source.name,
                               metadata: Self.metadata(r, contentType: r.headers["content-type"]))
            if let u = Self.url(r) { doc.annotations["url"] = .string(u) }          // lineage's copy: SQL and `explain` see it
            if invalid > 0 { doc.annotations["invalid_bytes"] = .number(Double(invalid)) }
            try body(.document(doc, line: number))
        case (.warc, "response"):
            guard let http = HTTPResponse(r.block) else {
                try body(.bad(line: number, reason: "invalid_http_response", message: "record at byte \(number): the block is not an HTTP response"))
                return
            }
            guard http.status == 200 else { try body(.skipped(line: number, id: id, reason: "http_\(http.status)", url: Self.url(r))); return }
            // The media type before any parameters (an empty or parameter-only Content-Type gives "": found by fuzzing).
            let type = http.contentType.map { String($0.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard type == "text/html" || type == "application/xhtml+xml" else { try body(.skipped(line: number, id: id, reason: "not_html", url: Self.url(r))); return }
            let payload = r.block[http.bodyStart...]
            let charset = http.charset ?? TextDecoding.sniffCharset(payload)
            let (text, invalid) = TextDecoding.decode(payload, charset: charset)
            var doc = Document(id: id, text: text, source: source.name, metadata: Self.metadata(r, contentType: http.contentType))
            if let u = Self.url(r) { doc.annotations["url"] = .string(u) }
            if let charset { doc.annotations["charset"] = .string(charset.lowercased()) }
            if invalid > 0 { doc.annotations["invalid_bytes"] = .number(Double(invalid)) }
            try body(.document(doc, line: number))
        default:
            return
        }
    }

    /// The record's `WARC-Target-URI` (WARC/1.0 allows it in angle brackets).
    static func url(_ r: WARCRecord) -> String? { r.headers["warc-target-uri"].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<>")) } }

    /// `{"url", "date", "warc_record_id", "content_type"}` as raw JSON, as a JSONL input's other fields are kept.
    static func metadata(_ r: WARCRecord, contentType: String?) -> [UInt8] {
        var o = JSONObject()
        if let u = url(r) { o["url"] = .string(u) }
        if let d = r.headers["warc-date"] { o["date"] = .string(d) }
        if let i = r.headers["warc-record-id"] { o["warc_record_id"] = .string(i) }
        if let c = contentType { o["content_type"] = .string(c) }
        return Array(JSONWriter.compact(.object(o)).utf8)
    }
}

/// Header lines as bytes: names lower-cased and values trimmed without going through Foundation.
enum HeaderBytes {
    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var a = s.startIndex, b = s.endIndex
        while a < b && (s[a] == 0x20 || s[a] == 0x09) { a += 1 }
        while b > a && (s[b - 1] == 0x20 || s[b - 1] == 0x09 || s[b - 1] == 0x0D) { b -= 1 }
        return s[a..<b]
    }
    static func lowercasedName(_ s: ArraySlice<UInt8>) -> String {
        String(decoding: trimmed(s).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

/// The parts of an HTTP response a reader needs: status, Content-Type, charset, where the body starts.
struct HTTPResponse {
    let status: Int
    let contentType: String?
    let bodyStart: Int

    init?(_ block: [UInt8]) {
        // Status line and headers up to the first empty line (CRLF or LF), read in place.
        var i = 0, count = 0
        var code: Int? = nil, type: String? = nil
        while i < block.count {
            guard let nl = block[i...].firstIndex(of: 0x0A) else { return nil }
            let end = nl > i && block[nl - 1] == 0x0D ? nl - 1 : nl
            let l = block[i..<end]
            i = nl + 1
            if l.isEmpty { break }
            count += 1
            if count > 500 { return nil }
            if count == 1 {
                guard l.starts(with: Self.httpPrefix) else { return nil }
                let parts = l.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
                guard parts.count >= 2, let c = Int(String(decoding: parts[1], as: UTF8.self)) else { return nil }
                code = c
                continue
            }
            guard let colon = l.firstIndex(of: UInt8(ascii: ":")) else { continue }
            if HeaderBytes.lowercasedName(l[..<colon]) == "content-type" { type = String(decoding: HeaderBytes.trimmed(l[(colon + 1)...]), as: UTF8.self) }
        }
        guard let code else { return nil }
        status = code
        contentType = type
        bodyStart = i
    }

    static let httpPrefix = Array("HTTP/".utf8)

    /// The `charset` parameter of Content-Type.
    var charset: String? { contentType.flatMap(TextDecoding.charsetParameter) }
}

/// Bytes in a named character set to a String: iconv (glibc) for anything but UTF-8; a byte that is invalid in the
/// charset becomes U+FFFD and is counted. An unknown charset name falls back to UTF-8, then Windows-1252.
enum TextDecoding {
    /// `charset=NAME` in a Content-Type value.
    static func charsetParameter(_ contentType: String) -> String? {
        for part in contentType.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" {
                let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                return v.isEmpty ? nil : v
            }
        }
        return nil
    }

    /// The charset a page declares in its first 1,024 bytes (`<meta charset>` or `http-equiv` Content-Type), or by
    /// a byte-order mark. Read as bytes: the name is ASCII.
    static func sniffCharset(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "utf-8" }
        if bytes.starts(with: [0xFF, 0xFE]) { return "utf-16le" }
        if bytes.starts(with: [0xFE, 0xFF]) { return "utf-16be" }
        let head = bytes.prefix(1024)
        let needle = Array("charset=".utf8)
        guard head.count >= needle.count else { return nil }
        var at: Int? = nil
        var k = head.startIndex
        while k + needle.count <= head.endIndex {
            if head[k] | 0x20 == needle[0], (1..<needle.count).allSatisfy({ head[k + $0] | 0x20 == needle[$0] }) { at = k + needle.count; break }
            k += 1
        }
        guard var p = at else { return nil }
        while p < head.endIndex && (head[p] == 0x22 || head[p] == 0x27 || head[p] == 0x20) { p += 1 }
        var name: [UInt8] = []
        while p < head.endIndex {
            let c = head[p]
            let lower = c >= 0x41 && c <= 0x5A ? c | 0x20 : c
            guard (lower >= 0x61 && lower <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F || c == 0x3A || c == 0x2E else { break }
            name.append(lower)
            p += 1
        }
        return name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
    }
    static func sniffCharset(_ bytes: [UInt8]) -> String? { sniffCharset(bytes[...]) }

    /// `bytes` as text in `charset` (nil: undeclared — UTF-8 when valid, else Windows-1252, as browsers guess).
    static func decode(_ bytes: [UInt8], charset: String?) -> (String, invalid: Int) { decode(bytes[...], charset: charset) }

    static func decode(_ slice: ArraySlice<UInt8>, charset: String?) -> (String, invalid: Int) {
        let name = charset?.lowercased()
        if name == nil || ["utf-8", "utf8", "unicode-1-1-utf-8"].contains(name!) {
            // The common case validates in place, with no copy of the page.
            if let s = slice.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) { return (s, 0) }
        }
        let bytes = Array(slice)
        guard let name else { return iconvDecode(bytes, from: "WINDOWS-1252") ?? replacingInvalidUTF8(bytes) }
        if ["utf-8", "utf8", "unicode-1-1-utf-8"].contains(name) { return replacingInvalidUTF8(bytes) }
        // HTML5 reads the ISO-8859-1 and ASCII labels as Windows-1252.
        let iconvName = ["iso-8859-1", "latin1", "iso8859-1", "l1", "us-ascii", "ascii"].contains(name) ? "WINDOWS-1252" : name.uppercased()
        return iconvDecode(bytes, from: iconvName) ?? decode(bytes, charset: nil)
    }

    /// UTF-8 with every invalid sequence replaced by U+FFFD, and how many there were.
    static func replacingInvalidUTF8(_ bytes: [UInt8]) -> (String, invalid: Int) {
        let s = String(decoding: bytes, as: UTF8.self)
        var present = 0       // U+FFFD already in the input, encoded
        var i = 0
        while i + 2 < bytes.count { if bytes[i] == 0xEF && bytes[i + 1] == 0xBF && bytes[i + 2] == 0xBD { present += 1; i += 3 } else { i += 1 } }
        return (s, s.unicodeScalars.reduce(0) { $0 + ($1 == "\u{FFFD}" ? 1 : 0) } - present)
    }

    /// iconv from `charset` to UTF-8; nil when iconv does not know the name.
    static func iconvDecode(_ bytes: [UInt8], from charset: String) -> (String, invalid: Int)? {
        let cd = iconv_open("UTF-8", charset)
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        var invalid = 0
        var outBuf = [CChar](repeating: 0, count: 1 << 16)
        var input = bytes.map { CChar(bitPattern: $0) }
        input.withUnsafeMutableBufferPointer { inBuf in
            var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress
            var inLeft = inBuf.count
            while inLeft > 0 {
                let rc: Int = outBuf.withUnsafeMutableBufferPointer { ob in
                    var outPtr: UnsafeMutablePointer<CChar>? = ob.baseAddress
                    var outLeft = ob.count
                    let rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    let produced = ob.count - outLeft
                    out.append(contentsOf: UnsafeRawBufferPointer(start: ob.baseAddress, count: produced))
                    return rc == -1 ? Int(errno) : 0
                }
                if rc == 0 || rc == E2BIG { continue }
                // An invalid or incomplete sequence: one replacement character, skip one byte, go on.
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                invalid += 1
                inPtr = inPtr.map { $0 + 1 }
                inLeft -= 1
            }
        }
        return (String(decoding: out, as: UTF8.self), invalid)
    }
}
