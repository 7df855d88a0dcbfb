import Foundation
import XCTest
@testable import Winnow

/// Parquet footers written by pyarrow (`Fixtures/parquet/make_parquet.py`: four codecs, plain and dictionary,
/// data pages v1 and v2, several row groups, string and integer ids) read as pyarrow reports them; malformed files
/// refused with the reason.
final class ParquetMetadataTests: XCTestCase {
    let dir = "\(repoRoot)/Tests/WinnowTests/Fixtures/parquet"

    func testFootersReadAsPyarrowReportsThem() throws {
        let cases = ["none_plain_v1", "zstd_dict_v2", "snappy_dict_v1", "gzip_plain_v2", "lz4_plain_v1"]
        for name in cases {
            let expected = try JSONParser.parse(readFileBytes("\(dir)/\(name).expected.json"))
            let m = try ParquetMetadata.read(path: "\(dir)/\(name).parquet")
            XCTAssertEqual(Int(m.numRows), expected["num_rows"]?.intValue, name)
            XCTAssertEqual(m.createdBy, expected["created_by"]?.stringValue, name)
            XCTAssertEqual(m.schema.filter { $0.numChildren == nil }.map(\.name), expected["schema"]?.arrayValue?.compactMap(\.stringValue), name)
            let groups = expected["row_groups"]?.arrayValue ?? []
            XCTAssertEqual(m.rowGroups.count, groups.count, name)
            XCTAssertGreaterThan(groups.count, 1, "\(name): the fixture should have several row groups")
            for (g, eg) in zip(m.rowGroups, groups) {
                XCTAssertEqual(Int(g.numRows), eg["num_rows"]?.intValue, name)
                let cols = eg["columns"]?.arrayValue ?? []
                XCTAssertEqual(g.columns.count, cols.count, name)
                for (c, ec) in zip(g.columns, cols) {
                    let what = "\(name) \(c.path)"
                    XCTAssertEqual(c.path.joined(separator: "."), ec["path"]?.stringValue, what)
                    XCTAssertEqual(c.type.description, ec["type"]?.stringValue, what)
                    // pyarrow names LZ4_RAW (the codec it writes) "LZ4".
                    XCTAssertEqual(c.codec.description == "LZ4_RAW" ? "LZ4" : c.codec.description, ec["codec"]?.stringValue, what)
                    XCTAssertEqual(Set(c.encodings.map(\.description)), Set(ec["encodings"]?.arrayValue?.compactMap(\.stringValue) ?? []), what)
                    XCTAssertEqual(Int(c.numValues), ec["num_values"]?.intValue, what)
                    XCTAssertEqual(Int(c.dataPageOffset), ec["data_page_offset"]?.intValue, what)
                    XCTAssertEqual(c.dictionaryPageOffset.map(Int.init), ec["dictionary_page_offset"]?.intValue, what)
                    XCTAssertEqual(Int(c.totalCompressedSize), ec["total_compressed_size"]?.intValue, what)
                }
            }
        }
    }

    func testMalformedFilesAreRefusedWithTheReason() throws {
        XCTAssertThrowsError(try ParquetMetadata.read(path: "\(dir)/not_parquet.parquet")) { e in
            XCTAssertTrue("\(e)".contains("not_parquet.parquet") && "\(e)".contains("does not start with PAR1"), "\(e)")
        }
        XCTAssertThrowsError(try ParquetMetadata.read(path: "\(dir)/truncated_footer.parquet")) { e in
            XCTAssertTrue("\(e)".contains("truncated_footer.parquet") && "\(e)".contains("does not end with PAR1"), "\(e)")
        }
        // A footer whose bytes are cut inside: the length is right, the Thrift struct is not.
        let tmp = try makeTempDir(self)
        var bytes = try readFileBytes("\(dir)/none_plain_v1.parquet")
        let n = bytes.count
        let footerLength = Int(bytes[n - 8]) | Int(bytes[n - 7]) << 8 | Int(bytes[n - 6]) << 16 | Int(bytes[n - 5]) << 24
        let footerStart = n - 8 - footerLength
        // Zero the footer's second half: a struct with no STOP, or a list running past the end.
        for k in (footerStart + footerLength / 2)..<(n - 8) { bytes[k] = 0xFF }
        try writeFile("\(tmp)/bad.parquet", bytes)
        XCTAssertThrowsError(try ParquetMetadata.read(path: "\(tmp)/bad.parquet")) { e in
            XCTAssertTrue("\(e)".contains("bad.parquet") && "\(e)".contains("Parquet footer"), "\(e)")
        }
    }
}

/// Flat columns of pyarrow-written files decoded to the rows pyarrow reads (UNCOMPRESSED, SNAPPY, GZIP, ZSTD; plain
/// and dictionary; pages v1 and v2; nulls; string and integer ids).
final class ParquetColumnTests: XCTestCase {
    let dir = "\(repoRoot)/Tests/WinnowTests/Fixtures/parquet"

    private func columns(_ name: String) throws -> [String: [ParquetValue?]] {
        let path = "\(dir)/\(name).parquet"
        let m = try ParquetMetadata.read(path: path)
        let h = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? h.close() }
        let optional = Dictionary(m.schema.map { ($0.name, $0.repetition == .optional ? 1 : 0) }, uniquingKeysWith: { a, _ in a })
        var out: [String: [ParquetValue?]] = [:]
        for (g, group) in m.rowGroups.enumerated() {
            for c in group.columns {
                let name = c.path.joined(separator: ".")
                out[name, default: []] += try ParquetColumnReader(path: path, meta: c, maxDefinitionLevel: optional[name] ?? 1, rowGroup: g).read(from: h)
            }
        }
        return out
    }

    private func json(_ v: ParquetValue?) -> JSONValue {
        switch v {
        case nil: return .null
        case .bytes(let b)?: return .string(String(decoding: b, as: UTF8.self))
        case .int(let i)?: return .number(Double(i))
        case .double(let d)?: return .number(d)
        case .bool(let b)?: return .bool(b)
        }
    }

    func testColumnsDecodeToPyarrowsRows() throws {
        for name in ["none_plain_v1", "zstd_dict_v2", "snappy_dict_v1", "gzip_plain_v2", "lz4_plain_v1"] {
            let expected = try JSONParser.parse(readFileBytes("\(dir)/\(name).expected.json"))["rows"]?.arrayValue ?? []
            let cols = try columns(name)
            for key in ["id", "text", "language", "score", "count", "ok"] {
                let got = try XCTUnwrap(cols[key], "\(name): no column \(key)")
                XCTAssertEqual(got.count, expected.count, "\(name).\(key)")
                for (k, (g, e)) in zip(got, expected).enumerated() {
                    XCTAssertEqual(json(g), e[key] ?? .null, "\(name).\(key) row \(k)")
                }
            }
        }
    }

    /// A corrupt page: the error names the file, the row group and the column.
    func testCorruptPageNamesFileRowGroupAndColumn() throws {
        let tmp = try makeTempDir(self)
        var bytes = try readFileBytes("\(dir)/zstd_dict_v2.parquet")
        let m = try ParquetMetadata.read(path: "\(dir)/zstd_dict_v2.parquet")
        let text = try XCTUnwrap(m.rowGroups[1].columns.first { $0.path == ["text"] })
        // Garble the compressed bytes of the text column's data page (past its page header).
        let at = Int(text.dataPageOffset) + 24
        for k in at..<(at + 16) { bytes[k] ^= 0x5A }
        try writeFile("\(tmp)/corrupt.parquet", bytes)
        XCTAssertThrowsError(try ParquetColumnReader(path: "\(tmp)/corrupt.parquet", meta: text, maxDefinitionLevel: 1, rowGroup: 1)
            .read(from: XCTUnwrap(FileHandle(forReadingAtPath: "\(tmp)/corrupt.parquet")))) { e in
            XCTAssertTrue("\(e)".contains("corrupt.parquet") && "\(e)".contains("row group 1, column text"), "\(e)")
        }
    }
}
