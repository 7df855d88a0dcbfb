import Foundation
import XCTest
@testable import Winnow

/// The `warc` and `wet` readers (issue 18, item 1) on WARC files this test writes itself, record by record, as
/// Common Crawl lays them out: warcinfo, request, response, metadata; per-record gzip members.
final class WARCReaderTests: XCTestCase {
    /// One WARC record: version line, headers, block, two CRLFs.
    static func record(_ type: String, uri: String = "https://example.org/", id: Int, block: [UInt8], extra: [String] = [], version: String = "WARC/1.0") -> [UInt8] {
        var head = "\(version)\r\nWARC-Type: \(type)\r\nWARC-Date: 2026-11-30T12:00:0\(id % 10)Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-\(String(format: "%012d", id))>\r\n"
        head += "WARC-Target-URI: \(uri)\r\n"
        for e in extra { head += e + "\r\n" }
        head += "Content-Length: \(block.count)\r\n\r\n"
        return Array(head.utf8) + block + Array("\r\n\r\n".utf8)
    }

    static func http(_ status: String, _ contentType: String, _ body: [UInt8]) -> [UInt8] {
        Array("HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    static let portuguese = "<html lang=\"pt\"><head><title>Ação</title></head><body><p>A pé, até à praça — não há pressa.</p></body></html>"
    /// Windows-1252 bytes for "café “quoted”" declared only by a meta tag.
    static let cp1252: [UInt8] = Array("<html><head><meta charset=\"windows-1252\"></head><body>caf".utf8) + [0xE9, 0x20, 0x93] + Array("quoted".utf8) + [0x94] + Array("</body></html>".utf8)
    static let shiftJIS: [UInt8] = [0x82, 0xB1, 0x82, 0xF1, 0x82, 0xC9, 0x82, 0xBF, 0x82, 0xCD]   // こんにちは

    /// A crawl: warcinfo, then request/response pairs; a 404, a PNG, a page in Windows-1252, one in Shift_JIS, a
    /// record whose version line is garbage and one without Content-Length, each followed by a good page.
    static func crawl() -> [[UInt8]] {
        var records: [[UInt8]] = []
        records.append(record("warcinfo", id: 1, block: Array("software: winnow-test\r\n".utf8)))
        records.append(record("request", uri: "https://example.org/pt", id: 2, block: Array("GET /pt HTTP/1.1\r\n\r\n".utf8)))
        records.append(record("response", uri: "https://example.org/pt", id: 3, block: http("200 OK", "text/html; charset=UTF-8", Array(portuguese.utf8))))
        records.append(record("response", uri: "https://example.org/missing", id: 4, block: http("404 Not Found", "text/html", Array("<p>gone</p>".utf8))))
        records.append(record("response", uri: "https://example.org/logo.png", id: 5, block: http("200 OK", "image/png", [0x89, 0x50, 0x4E, 0x47])))
        records.append(record("metadata", id: 6, block: Array("fetchTimeMs: 12\r\n".utf8)))
        records.append(record("response", uri: "https://example.org/cafe", id: 7, block: http("200 OK", "text/html", cp1252)))
        records.append(record("response", uri: "https://example.jp/", id: 8, block: http("200 OK", "text/html; charset=Shift_JIS", Array("<p>".utf8) + shiftJIS + Array("</p>".utf8))))
        records.append(Array("GARBAGE/0.9\r\nWARC-Type: response\r\n\r\n".utf8))
        records.append(record("response", uri: "https://example.org/after-garbage", id: 9, block: http("200 OK", "application/xhtml+xml", Array("<p>still read</p>".utf8))))
        records.append(Array("WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:x>\r\n\r\nno length here\r\n\r\n".utf8))
        records.append(record("response", uri: "https://example.org/last", id: 10, block: http("200 OK", "text/html", Array("<p>the last page</p>".utf8)), version: "WARC/1.1"))
        return records
    }

    private func spec(_ dir: String, format: String, paths: String) throws -> String {
        try writeFile("\(dir)/blocked.txt", "blocked.example\n")
        try writeFile("\(dir)/spec.json", """
            {"name": "crawl", "sources": [{"name": "cc", "format": "\(format)", "paths": [\(paths)]}],
             "steps": [{"type": "url_filter", "domains": ["blocked.txt"]}], "output": {"dir": "out"}, "max_error_fraction": 1}
            """)
        return "\(dir)/spec.json"
    }

    /// Writes each record as its own gzip member (as Common Crawl does) and concatenates them; returns the members'
    /// offsets.
    @discardableResult
    private func perRecordGzip(_ records: [[UInt8]], to path: String) throws -> [Int64] {
        var all: [UInt8] = []
        var offsets: [Int64] = []
        for (i, r) in records.enumerated() {
            offsets.append(Int64(all.count))
            let part = "\(path).member\(i).gz"
            let w = try AtomicCompressedWriter(path: part, compression: .gzip, level: nil)
            try w.write(r)
            _ = try w.commit()
            all += try readFileBytes(part)
            try FileManager.default.removeItem(atPath: part)
        }
        try Data(all).write(to: URL(fileURLWithPath: path))
        return offsets
    }

    func testWARCResponsesBecomeDocumentsWithMetadataAndSkipsAreCounted() throws {
        let dir = try makeTempDir(self)
        try perRecordGzip(Self.crawl(), to: "\(dir)/crawl.warc.gz")
        let summary = try runSpec(try spec(dir, format: "warc", paths: "\"crawl.warc.gz\""))
        let db = "\(dir)/out/lineage.db"
        // Five pages kept, two responses skipped by reason, two malformed records: nothing after them lost.
        XCTAssertEqual(summary.documentsOut, 5)
        XCTAssertEqual(try lineageRows(db, "select reason, count(*) from documents where step = 'reader' and status = 'dropped' group by 1 order by 1"),
                       [["http_404", "1"], ["not_html", "1"]])
        // Lineage knows every record's URL: the kept pages' and the skipped responses'.
        XCTAssertEqual(try lineageRows(db, "select json_extract(annotations, '$.url'), status from documents where doc_id like '%0004>' or doc_id like '%0003>' order by doc_id"),
                       [["https://example.org/pt", "kept"], ["https://example.org/missing", "dropped"]])
        let errors = try lineageRows(db, "select reason, line, message from errors order by line")
        XCTAssertEqual(errors.map { $0[0] }, ["invalid_warc_record", "invalid_warc_record"])
        XCTAssertTrue(errors[0][2].contains("expected a WARC/1.0 or WARC/1.1 version line, found \"GARBAGE/0.9\""), errors[0][2])
        XCTAssertTrue(errors[0][2].contains("at byte "), errors[0][2])
        XCTAssertTrue(errors[1][2].contains("no valid Content-Length (missing)"), errors[1][2])
        // Shards carry the text (decoded to UTF-8) and the record's metadata.
        let lines = try shardText("\(dir)/out").split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(lines.map { $0["metadata"]?["url"]?.stringValue ?? "" },
                       ["https://example.org/pt", "https://example.org/cafe", "https://example.jp/", "https://example.org/after-garbage", "https://example.org/last"])
        XCTAssertEqual(lines[0]["text"]?.stringValue, Self.portuguese)
        XCTAssertEqual(lines[0]["id"]?.stringValue, "<urn:uuid:00000000-0000-0000-0000-000000000003>")
        XCTAssertEqual(lines[0]["metadata"]?["warc_record_id"]?.stringValue, "<urn:uuid:00000000-0000-0000-0000-000000000003>")
        XCTAssertEqual(lines[0]["metadata"]?["date"]?.stringValue, "2026-11-30T12:00:03Z")
        XCTAssertEqual(lines[0]["metadata"]?["content_type"]?.stringValue, "text/html; charset=UTF-8")
        XCTAssertTrue(lines[1]["text"]?.stringValue?.contains("café “quoted”") ?? false, "\(String(describing: lines[1]["text"]))")
        XCTAssertTrue(lines[2]["text"]?.stringValue?.contains("こんにちは") ?? false, "\(String(describing: lines[2]["text"]))")
        XCTAssertEqual(try lineageRows(db, "select json_extract(annotations, '$.charset') from documents where doc_id like '%0007>' or doc_id like '%0008>' order by doc_id"),
                       [["windows-1252"], ["shift_jis"]])
        // The same file uncompressed and gzip-compressed whole read the same documents.
        try Data(Self.crawl().joined()).write(to: URL(fileURLWithPath: "\(dir)/plain.warc"))
        let other = try makeTempDir(self, name + "-plain")
        try Data(Self.crawl().joined()).write(to: URL(fileURLWithPath: "\(other)/plain.warc"))
        XCTAssertEqual(try runSpec(try spec(other, format: "warc", paths: "\"plain.warc\"")).documentsOut, 5)
        XCTAssertEqual(try shardText("\(other)/out"), try shardText("\(dir)/out"))
    }

    /// 240 pages of about 1.3 KB that compress poorly (hex of a hash), so the crawl is over 256 KiB uncompressed and
    /// compressed record by record; one malformed record in the middle.
    static func bigCrawl() -> [[UInt8]] {
        var records = [record("warcinfo", id: 1, block: Array("software: winnow-test\r\n".utf8))]
        for i in 0..<240 {
            var words: [String] = []
            var h = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            for _ in 0..<80 { h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9; words.append(String(h >> 20, radix: 16)) }
            let page = "<html><body><h1>Página \(i) — ação</h1><p>\(words.joined(separator: " "))</p><p>東京\(i)。</p></body></html>"
            records.append(record("response", uri: "https://example.org/\(i)", id: 100 + i, block: http("200 OK", "text/html; charset=utf-8", Array(page.utf8))))
            if i == 150 { records.append(Array("GARBAGE/0.9\r\nWARC-Type: response\r\n\r\n".utf8)) }
        }
        return records
    }

    private func splitRun(_ dir: String, file: String, partitionBytes: Int) throws -> RunSummary {
        try writeFile("\(dir)/spec.json", """
            {"name": "crawl", "sources": [{"name": "cc", "format": "warc", "paths": ["\(file)"]}],
             "output": {"dir": "out"}, "max_error_fraction": 1, "partition_bytes": \(partitionBytes)}
            """)
        return try runSpec("\(dir)/spec.json")
    }

    /// Item 1: a large `.warc` is cut at record boundaries and a per-record `.warc.gz` at member boundaries; either
    /// way the documents, the shards and each record's `line` (its byte offset; for `.warc.gz` its member's, as
    /// Common Crawl's index gives it) are those of reading the file whole. A file gzip-compressed whole is not cut.
    func testLargeWARCFilesSplitAtRecordAndMemberBoundaries() throws {
        let records = Self.bigCrawl()
        let whole = try makeTempDir(self, name + "-whole")
        let offsets = try perRecordGzip(records, to: "\(whole)/c.warc.gz")
        XCTAssertEqual(try splitRun(whole, file: "c.warc.gz", partitionBytes: 1 << 30).documentsOut, 240)
        let expected = try shardText("\(whole)/out")
        let expectedLines = try lineageRows("\(whole)/out/lineage.db", "select doc_id, line, status from documents order by line")
        XCTAssertEqual(expectedLines.count, 241)
        // Lines are the members' offsets: the malformed record's too.
        XCTAssertEqual(Set(expectedLines.map { $0[1] }), Set(offsets.dropFirst().map(String.init)))

        let gz = try makeTempDir(self, name + "-gz")
        try FileManager.default.copyItem(atPath: "\(whole)/c.warc.gz", toPath: "\(gz)/c.warc.gz")
        let size = try FileManager.default.attributesOfItem(atPath: "\(gz)/c.warc.gz")[.size] as! Int
        XCTAssertGreaterThan(size, 3 * 65536)
        XCTAssertEqual(try splitRun(gz, file: "c.warc.gz", partitionBytes: 65536).documentsOut, 240)
        let gzParts = try lineageRows("\(gz)/out/lineage.db", "select part, min(line), count(*) from documents group by part order by part")
        XCTAssertGreaterThanOrEqual(gzParts.count, 3, "\(gzParts)")
        for p in gzParts.dropFirst() { XCTAssertTrue(offsets.contains(Int64(p[1])!), "partition \(p) does not start on a member") }
        XCTAssertEqual(try shardText("\(gz)/out"), expected)
        XCTAssertEqual(try lineageRows("\(gz)/out/lineage.db", "select doc_id, line, status from documents order by line"), expectedLines)
        XCTAssertEqual(try lineageRows("\(gz)/out/lineage.db", "select reason, line from errors"), [["invalid_warc_record", String(offsets[152])]])

        // Uncompressed: cut where records start; the walk stops at the malformed record, so the rest is one partition.
        let plain = try makeTempDir(self, name + "-plain")
        try Data(records.joined()).write(to: URL(fileURLWithPath: "\(plain)/c.warc"))
        XCTAssertEqual(try splitRun(plain, file: "c.warc", partitionBytes: 65536).documentsOut, 240)
        XCTAssertEqual(try shardText("\(plain)/out"), expected)
        var starts: [Int64] = []
        var at: Int64 = 0
        for r in records { starts.append(at); at += Int64(r.count) }
        let plainParts = try lineageRows("\(plain)/out/lineage.db", "select part, min(line) from documents group by part order by part")
        XCTAssertGreaterThanOrEqual(plainParts.count, 3, "\(plainParts)")
        XCTAssertEqual(try lineageRows("\(plain)/out/lineage.db", "select line from documents order by line").map { Int64($0[0])! },
                       Array(starts.dropFirst()))

        // Gzip-compressed whole: one member, one partition; lines are offsets in the decompressed stream.
        let one = try makeTempDir(self, name + "-one")
        let w = try AtomicCompressedWriter(path: "\(one)/c.warc.gz", compression: .gzip, level: nil)
        try w.write(Array(records.joined()))
        _ = try w.commit()
        XCTAssertEqual(try splitRun(one, file: "c.warc.gz", partitionBytes: 65536).documentsOut, 240)
        XCTAssertEqual(try lineageRows("\(one)/out/lineage.db", "select count(distinct part) from documents"), [["1"]])
        XCTAssertEqual(try shardText("\(one)/out"), expected)
        XCTAssertEqual(try lineageRows("\(one)/out/lineage.db", "select line from documents order by line").map { Int64($0[0])! },
                       Array(starts.dropFirst()))
    }

    func testURLFilterSeesTheWARCTargetURI() throws {
        let dir = try makeTempDir(self)
        let records = [Self.record("response", uri: "https://blocked.example/page", id: 1, block: Self.http("200 OK", "text/html", Array("<p>blocked</p>".utf8))),
                       Self.record("response", uri: "https://fine.example/page", id: 2, block: Self.http("200 OK", "text/html", Array("<p>fine</p>".utf8)))]
        try Data(records.joined()).write(to: URL(fileURLWithPath: "\(dir)/c.warc"))
        XCTAssertEqual(try runSpec(try spec(dir, format: "warc", paths: "\"c.warc\"")).documentsOut, 1)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select doc_id, step from documents where status = 'dropped'"),
                       [["<urn:uuid:00000000-0000-0000-0000-000000000001>", "url_filter"]])
    }

    func testWETConversionRecordsAndATruncatedFile() throws {
        let dir = try makeTempDir(self)
        let text = "Texto extraído: olá, mundo.\nSecond line 第二行"
        var records = [Self.record("warcinfo", id: 1, block: Array("x: y\r\n".utf8)),
                       Self.record("conversion", uri: "https://example.br/", id: 2, block: Array(text.utf8), extra: ["Content-Type: text/plain"])]
        let last = Self.record("conversion", uri: "https://example.br/2", id: 3, block: Array("cut short".utf8))
        records.append(Array(last.prefix(last.count - 10)))          // the file ends inside the last block
        try perRecordGzip(records, to: "\(dir)/crawl.warc.wet.gz")
        let summary = try runSpec(try spec(dir, format: "wet", paths: "\"crawl.warc.wet.gz\""))
        XCTAssertEqual(summary.documentsOut, 1)
        let line = try JSONParser.parse(try shardText("\(dir)/out").split(separator: "\n")[0].description)
        XCTAssertEqual(line["text"]?.stringValue, text)
        XCTAssertEqual(line["metadata"]?["url"]?.stringValue, "https://example.br/")
        XCTAssertEqual(line["metadata"]?["content_type"]?.stringValue, "text/plain")
        let e = try lineageRows("\(dir)/out/lineage.db", "select reason, message from errors")
        XCTAssertEqual(e.first?[0], "truncated_warc_record")
        XCTAssertTrue(e.first?[1].contains("the file ends inside the record's block") ?? false, "\(e)")
    }

    /// `html` sources: one page per file, its URL from an optional `page.html.url` sidecar (which a `*` glob does
    /// not make a page of its own); `url_filter` and lineage see the URL.
    func testHTMLFilesWithURLSidecars() throws {
        let dir = try makeTempDir(self)
        try FileManager.default.createDirectory(atPath: "\(dir)/pages", withIntermediateDirectories: true)
        try writeFile("\(dir)/pages/a.html", "<html><body><p>Página A — conteúdo em português, com acentuação.</p></body></html>")
        try writeFile("\(dir)/pages/a.html.url", "\n  https://jornal.example/a  \n")
        try writeFile("\(dir)/pages/b.htm", "<p>日本語のページ。</p>")
        try writeFile("\(dir)/pages/c.html", "<p>blocked page</p>")
        try writeFile("\(dir)/pages/c.html.url", "https://blocked.example/c\n")
        try writeFile("\(dir)/blocked.txt", "blocked.example\n")
        try writeFile("\(dir)/spec.json", """
            {"name": "pages", "sources": [{"name": "web", "format": "html", "paths": ["pages/*"]}],
             "steps": [{"type": "url_filter", "domains": ["blocked.txt"]}], "output": {"dir": "out"}}
            """)
        let summary = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(summary.documentsIn, 3)
        XCTAssertEqual(summary.documentsOut, 2)
        let lines = try shardText("\(dir)/out").split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(lines.map { $0["id"]?.stringValue ?? "" }, ["pages/a.html", "pages/b.htm"])
        XCTAssertEqual(lines[0]["metadata"]?["url"]?.stringValue, "https://jornal.example/a")
        XCTAssertNil(lines[1]["metadata"]?["url"])
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select doc_id, status, json_extract(annotations, '$.url') from documents order by doc_id"),
                       [["pages/a.html", "kept", "https://jornal.example/a"], ["pages/b.htm", "kept", ""], ["pages/c.html", "dropped", "https://blocked.example/c"]])
    }

    func testValidateNamesTheFormatForWARCFilesGivenToJSONL() throws {
        let dir = try makeTempDir(self)
        try Data(Self.crawl().joined()).write(to: URL(fileURLWithPath: "\(dir)/c.warc"))
        try writeFile("\(dir)/spec.json", #"{"name": "x", "sources": [{"name": "cc", "paths": ["c.warc"]}], "output": {"dir": "out"}}"#)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/spec.json")) { e in
            XCTAssertTrue("\(e)".contains("which the jsonl reader cannot read: give this source \"format\": \"warc\""), "\(e)")
        }
    }

    func testCharsetDecoding() {
        XCTAssertEqual(TextDecoding.decode([0x63, 0x61, 0x66, 0xE9], charset: "iso-8859-1").0, "café")
        XCTAssertEqual(TextDecoding.decode([0x63, 0x61, 0x66, 0xE9], charset: nil).0, "café", "undeclared and not UTF-8: Windows-1252")
        let bad = TextDecoding.decode([0x61, 0xFF, 0x62], charset: "utf-8")
        XCTAssertEqual(bad.0, "a\u{FFFD}b"); XCTAssertEqual(bad.invalid, 1)
        XCTAssertEqual(TextDecoding.decode([0xB0, 0xA1], charset: "GB18030").0, "啊")
        XCTAssertEqual(TextDecoding.decode([0xB0, 0xA1], charset: "euc-kr").0, "가")
        XCTAssertEqual(TextDecoding.sniffCharset(Array("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-2\">".utf8)), "iso-8859-2")
        XCTAssertEqual(TextDecoding.charsetParameter("text/html; Charset=\"UTF-8\""), "UTF-8")
    }
}
