import Foundation
import XCTest
@testable import Winnow

/// `format: "parquet"` sources read pyarrow-written files (`Fixtures/parquet/make_parquet.py`: five codecs × plain
/// and dictionary × data pages v1 and v2, nulls, several row groups, string and integer ids, Unicode text; the
/// DELTA encodings; page checksums; timestamps, dates, INT96, binary, and list, struct and decimal columns) into the
/// documents pyarrow's rows describe.
final class ParquetSourceTests: XCTestCase {
    let dir = "\(repoRoot)/Tests/WinnowTests/Fixtures/parquet"

    static func source(_ extra: String = "") throws -> SourceSpec {
        try JSONDecoder().decode(SourceSpec.self, from: Data(#"{"name": "s", "paths": ["x"], "format": "parquet"\#(extra)}"#.utf8))
    }

    /// Every item the reader gives for `path` (all row groups, or the partition's).
    static func items(_ path: String, partition: Partition? = nil, source: SourceSpec? = nil) throws -> [InputItem] {
        let p = partition ?? Partition(index: 0, sourceIndex: 0, path: path, input: "in.parquet", offset: 0, length: nil, firstLine: 1, diskBytes: 0)
        var out: [InputItem] = []
        try ParquetSource.read(partition: p, source: try source ?? Self.source(), displayPath: "in.parquet", onBytes: nil) { out.append($0) }
        return out
    }

    private var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".expected.json") }
            .map { String($0.dropLast(".expected.json".count)) }.sorted()
    }

    func testTheMatrixIsComplete() {
        let names = Set(fixtures)
        for codec in ["none", "snappy", "gzip", "zstd", "lz4"] {
            for enc in ["dict", "plain"] { for v in ["v1", "v2"] { XCTAssertTrue(names.contains("\(codec)_\(enc)_\(v)"), "\(codec)_\(enc)_\(v)") } }
        }
        for n in ["delta_v1", "delta_v2", "checksums", "types", "int96"] { XCTAssertTrue(names.contains(n), n) }
    }

    func testEveryFixtureReadsToPyarrowsRows() throws {
        XCTAssertGreaterThanOrEqual(fixtures.count, 25)
        for name in fixtures {
            let expected = try JSONParser.parse(readFileBytes("\(dir)/\(name).expected.json"))
            let rows = expected["rows"]?.arrayValue ?? []
            let items = try Self.items("\(dir)/\(name).parquet")
            XCTAssertEqual(items.count, rows.count, name)
            var nulls = 0
            for (k, (item, row)) in zip(items, rows).enumerated() {
                let what = "\(name) row \(k + 1)"
                switch item {
                case .bad(let line, let reason, let message):
                    XCTAssertEqual(row["text"], .null, what)
                    XCTAssertEqual(line, k + 1, what)
                    XCTAssertEqual(reason, "null_text", what)
                    XCTAssertTrue(message.contains("row \(k + 1)"), message)
                    nulls += 1
                case .document(let doc, let line):
                    XCTAssertEqual(line, k + 1, what)
                    XCTAssertEqual(doc.text, row["text"]?.stringValue, what)
                    let id: String
                    switch row["id"] { case .number(let n)?: id = String(Int(n)); case .string(let s)?: id = s; default: id = "?" }
                    XCTAssertEqual(doc.id, id, what)
                    guard case .object(var want) = row else { return XCTFail(what) }
                    want["id"] = nil; want["text"] = nil
                    let got = doc.metadata.isEmpty ? JSONValue.object(JSONObject()) : try JSONParser.parse(doc.metadata)
                    XCTAssertEqual(got.objectValue?.keys.sorted(), want.keys.sorted(), what)
                    for key in want.keys { XCTAssertEqual(got[key], want[key], "\(what) \(key)") }
                case .skipped: XCTFail(what)
                }
            }
            XCTAssertEqual(nulls > 0, rows.contains { $0["text"] == .null }, name)
            let file = try ParquetFile(path: "\(dir)/\(name).parquet")
            XCTAssertEqual(file.skippedColumns(except: ["id", "text"]).map(\.name).sorted(),
                           expected["skipped"]?.arrayValue?.compactMap(\.stringValue), name)
        }
    }

    /// Row groups are partitions: runs of them up to the partition size, each read alone, give every row once with
    /// its row number.
    func testRowGroupRunsArePartitions() throws {
        let path = "\(dir)/zstd_dict_v2.parquet"
        let file = try ParquetFile(path: path)
        XCTAssertGreaterThan(file.metadata.rowGroups.count, 2)
        let whole = try Self.items(path)
        for chunk: Int64 in [1, 400, 1 << 30] {
            let ranges = ParquetSource.ranges(file, chunk: chunk)
            XCTAssertEqual(ranges.reduce(0) { $0 + $1.count }, file.metadata.rowGroups.count)
            if chunk == 1 { XCTAssertEqual(ranges.count, file.metadata.rowGroups.count) }
            if chunk == 1 << 30 { XCTAssertEqual(ranges.count, 1) }
            var lines: [Int] = []
            for r in ranges {
                let p = Partition(index: 0, sourceIndex: 0, path: path, input: "in.parquet", offset: Int64(r.first), length: Int64(r.count), firstLine: r.firstRow, diskBytes: r.bytes)
                for item in try Self.items(path, partition: p) {
                    switch item { case .document(_, let l), .bad(let l, _, _), .skipped(let l, _, _, _): lines.append(l) }
                }
            }
            XCTAssertEqual(lines, Array(1...whole.count), "chunk \(chunk)")
        }
    }

    /// A corrupt page: its CRC names it; under `skip` the other row groups are still read.
    func testCorruptPageLosesOnlyItsRowGroup() throws {
        let tmp = try makeTempDir(self)
        // With checksums the CRC names the damage; without, the decoder meets it (how depends on the bytes).
        for (name, expect) in [("checksums", "fails its CRC check"), ("zstd_plain_v1", "")] {
            let path = "\(dir)/\(name).parquet"
            var bytes = try readFileBytes(path)
            let m = try ParquetMetadata.read(path: path)
            let text = try XCTUnwrap(m.rowGroups[1].columns.first { $0.path == ["text"] })
            let at = Int((text.dictionaryPageOffset ?? text.dataPageOffset) + text.totalCompressedSize) - 6   // inside the last page's body
            bytes[at] ^= 0x5A; bytes[at - 3] ^= 0x33
            try writeFile("\(tmp)/\(name).parquet", bytes)
            let items = try Self.items("\(tmp)/\(name).parquet")
            let bad = items.compactMap { item -> (Int, String, String)? in if case .bad(let l, let r, let m) = item, r == "unreadable_input" { return (l, r, m) }; return nil }
            XCTAssertEqual(bad.count, 1, "\(name): \(bad)")
            let message = bad.first?.2 ?? ""
            XCTAssertTrue(message.hasPrefix("in.parquet: row group 1, column text") && (expect.isEmpty || message.contains(expect)), message)
            XCTAssertEqual(bad.first?.0, Int(m.rowGroups[0].numRows) + 1, "the first row of row group 1")
            let docs = items.filter { if case .document = $0 { return true }; return false }.count
            let nullRows = items.filter { if case .bad(_, "null_text", _) = $0 { return true }; return false }.count
            XCTAssertEqual(docs + nullRows, Int(m.numRows - m.rowGroups[1].numRows), "\(name): every other row group read")
        }
    }

    func testWhatIsNotParquetOrHasNoTextColumnSaysSo() throws {
        for (file, expect) in [("not_parquet", "does not start with PAR1"), ("truncated_footer", "does not end with PAR1")] {
            XCTAssertThrowsError(try Self.items("\(dir)/\(file).parquet")) { e in
                XCTAssertTrue("\(e)".contains("\(file).parquet") && "\(e)".contains(expect), "\(e)")
            }
        }
        XCTAssertThrowsError(try Self.items("\(dir)/types.parquet", source: try Self.source(#", "text_field": "body""#))) { e in
            XCTAssertTrue("\(e)".contains("no top-level column \"body\"") && "\(e)".contains("ts_ms"), "\(e)")
        }
        XCTAssertThrowsError(try Self.items("\(dir)/types.parquet", source: try Self.source(#", "text_field": "ts_ms""#))) { e in
            XCTAssertTrue("\(e)".contains("not text"), "\(e)")
        }
    }

    /// Timestamps before 1970, fractions and dates as ISO 8601, checked by hand (not only against the fixtures).
    func testTimestampsAsISO8601() {
        XCTAssertEqual(ParquetSource.iso8601(0, perSecond: 1000), "1970-01-01T00:00:00Z")
        XCTAssertEqual(ParquetSource.iso8601(951_782_400_123, perSecond: 1000), "2000-02-29T00:00:00.123Z")
        XCTAssertEqual(ParquetSource.iso8601(-1, perSecond: 1_000_000), "1969-12-31T23:59:59.999999Z")
        XCTAssertEqual(ParquetSource.iso8601(-86_400 * 365, perSecond: 1), "1969-01-01T00:00:00Z")
    }
}

/// Winnow's Parquet writer, read back by Winnow's reader: every codec, dictionary and plain columns, nulls and typed
/// metadata, several row groups; and the bytes are the same for the same documents.
final class ParquetWriterTests: XCTestCase {
    func testShardsReadBackToTheirDocuments() throws {
        let tmp = try makeTempDir(self)
        let docs: [(String, String, String, String)] = (0..<500).map { i in
            let meta: String
            switch i % 4 {
            case 0: meta = #"{"url":"https://exemplo.pt/\#(i)","lang":"pt","score":\#(Double(i) / 8),"n":\#(i),"ok":true,"tags":["a","b"]}"#
            case 1: meta = #"{"lang":"ja","n":\#(-i),"ok":false,"tags":{"k":1}}"#
            case 2: meta = ""
            default: meta = #"{"url":null,"lang":"ru","score":1e-3,"text":"a key named text","id":7}"#
            }
            return ("d\(i)", i % 7 == 0 ? "東京の天気は晴れ。気温は\(i)度。" : "Documento número \(i) — ação.\n\(String(repeating: "x", count: i))", i % 3 == 0 ? "web" : "books", meta)
        }
        for codec in [ParquetCompression.none, .snappy, .gzip, .zstd] {
            var hashes: [String] = []
            for attempt in 0..<2 {
                let path = "\(tmp)/\(codec.rawValue)-\(attempt).parquet"
                let w = try ParquetShardWriter(path: path, compression: codec, level: nil, rowGroupBytes: 20_000)
                for d in docs { try w.append(id: d.0, text: d.1, source: d.2, metadata: Array(d.3.utf8)) }
                hashes.append(try w.commit().sha256)
                let file = try ParquetFile(path: path)
                XCTAssertGreaterThan(file.metadata.rowGroups.count, 2, "several row groups")
                XCTAssertEqual(file.leaves.map(\.name), ["id", "text", "source", "url", "lang", "score", "n", "ok", "tags", "metadata_text", "metadata_id"])
                XCTAssertEqual(file.leaves.map(\.kind), [.string, .string, .string, .string, .string, .float, .integer, .boolean, .string, .string, .integer])
                let items = try ParquetSourceTests.items(path, source: try ParquetSourceTests.source())
                XCTAssertEqual(items.count, docs.count)
                for (item, d) in zip(items, docs) {
                    guard case .document(let doc, _) = item else { XCTFail("\(item)"); continue }
                    XCTAssertEqual(doc.id, d.0); XCTAssertEqual(doc.text, d.1)
                    let meta = try JSONParser.parse(doc.metadata)
                    XCTAssertEqual(meta["source"]?.stringValue, d.2)
                    let want = d.3.isEmpty ? JSONValue.object(JSONObject()) : try JSONParser.parse(d.3)
                    XCTAssertEqual(meta["lang"], want["lang"] ?? .null)
                    XCTAssertEqual(meta["n"], want["n"] ?? .null)
                    XCTAssertEqual(meta["score"], want["score"] ?? .null)
                    XCTAssertEqual(meta["ok"], want["ok"] ?? .null)
                    XCTAssertEqual(meta["metadata_text"], want["text"] ?? .null)
                    XCTAssertEqual(meta["tags"], want["tags"].map { .string(JSONWriter.compact($0)) } ?? .null, "objects and arrays as their JSON")
                }
                // Dictionary for the repeating source column, plain for the ids; statistics for the numbers.
                let g0 = file.metadata.rowGroups[0]
                XCTAssertNotNil(g0.columns[2].dictionaryPageOffset)
                XCTAssertNil(g0.columns[0].dictionaryPageOffset)
                XCTAssertEqual(g0.columns[1].codec.rawValue, codec.codec)
            }
            XCTAssertEqual(hashes[0], hashes[1], "\(codec): the same documents give the same bytes")
        }
    }

    /// Shards of one run with different metadata get one schema: missing columns null, integer and double columns
    /// doubles, anything else mixed strings; the values survive the rewrite.
    func testShardsOfARunShareOneSchema() throws {
        let tmp = try makeTempDir(self)
        let metas = [[#"{"url":"u1","n":1,"x":true}"#, #"{"url":"u2","n":2}"#], [#"{"lang":"pt","n":2.5,"x":"sim"}"#]]
        var schemas: [[MetadataColumns.Signature]] = []
        for (k, m) in metas.enumerated() {
            let w = try ParquetShardWriter(path: "\(tmp)/\(k).parquet", compression: .zstd, level: nil, rowGroupBytes: 1)
            for (i, meta) in m.enumerated() { try w.append(id: "\(k)-\(i)", text: "texto \(i)", source: "s\(k)", metadata: Array(meta.utf8)) }
            _ = try w.commit()
            schemas.append(ParquetShardWriter.metadataColumns(of: try ParquetFile(path: "\(tmp)/\(k).parquet")))
        }
        let union = MetadataColumns.union(schemas)
        XCTAssertEqual(union, [.init(name: "url", type: .byteArray), .init(name: "n", type: .double), .init(name: "x", type: .byteArray), .init(name: "lang", type: .byteArray)])
        for k in metas.indices { try ParquetShardWriter.rewrite("\(tmp)/\(k).parquet", to: union, compression: .zstd, level: nil) }
        var rows: [String] = []
        for k in metas.indices {
            let file = try ParquetFile(path: "\(tmp)/\(k).parquet")
            XCTAssertEqual(ParquetShardWriter.metadataColumns(of: file), union)
            XCTAssertEqual(file.metadata.rowGroups.count, metas[k].count, "row groups kept")
            for case .document(let d, _) in try ParquetSourceTests.items("\(tmp)/\(k).parquet") { rows.append("\(d.id) \(d.text) " + String(decoding: d.metadata, as: UTF8.self)) }
        }
        XCTAssertEqual(rows, [#"0-0 texto 0 {"source":"s0","url":"u1","n":1.0,"x":"true","lang":null}"#,
                              #"0-1 texto 1 {"source":"s0","url":"u2","n":2.0,"x":null,"lang":null}"#,
                              #"1-0 texto 0 {"source":"s1","url":null,"n":2.5,"x":"sim","lang":"pt"}"#])
    }

    func testAbandonedShardLeavesNoFile() throws {
        let tmp = try makeTempDir(self)
        let w = try ParquetShardWriter(path: "\(tmp)/a.parquet", compression: .zstd, level: nil)
        try w.append(id: "a", text: "b", source: "c", metadata: [])
        w.abandon()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
    }
}
