import XCTest
@testable import Winnow

/// The line-level rows of `docs/bad-input.md`, through a real run: every bad line is counted and queryable in
/// lineage with its reason, line number and a message; lines that are only odd become documents.
final class BadLineTableTests: XCTestCase {
    /// (line bytes, expected lineage: `error:<reason>` for a bad line, `doc:<id>` for a document, `skip` for none).
    static let cases: [(String, [UInt8], String)] = {
        func b(_ s: String) -> [UInt8] { Array(s.utf8) }
        return [
            ("not JSON", b("hello world"), "error:invalid_json"),
            ("a JSON array", b(#"["a", "b"]"#), "error:invalid_json"),
            ("unterminated string", b(#"{"id": "u", "text": "never closed"#), "error:invalid_json"),
            ("content after the object", b(#"{"id": "c", "text": "x"} extra"#), "error:invalid_json"),
            ("invalid escape", b(#"{"id": "e", "text": "bad \q"}"#), "error:invalid_json"),
            ("raw control character in a string", b("{\"id\": \"t\", \"text\": \"tab\u{1}here\"}"), "error:invalid_json"),
            ("nesting deeper than 256", b(#"{"id": "n", "text": "x", "m": "# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}"), "error:invalid_json"),
            ("NUL byte after the object", b(#"{"id": "z", "text": "x"}"#) + [0], "error:invalid_json"),
            ("no text field", b(#"{"id": "m"}"#), "error:missing_text"),
            ("empty object", b("{}"), "error:missing_text"),
            ("text is null", b(#"{"id": "tn", "text": null}"#), "error:text_not_string"),
            ("text is a number", b(#"{"id": "t1", "text": 12}"#), "error:text_not_string"),
            ("id is an array", b(#"{"id": ["a"], "text": "x"}"#), "error:id_not_string"),
            ("id is true", b(#"{"id": true, "text": "x"}"#), "error:id_not_string"),
            ("lone surrogate escape", b(#"{"id": "s", "text": "\udc00"}"#), "error:invalid_utf8"),
            ("invalid UTF-8 byte in the text", b(#"{"id": "i", "text": "caf"#) + [0xE9] + b(#""}"#), "error:invalid_utf8"),
            ("invalid UTF-8 byte in a metadata field", b(#"{"id": "im", "text": "ok", "u": "x"#) + [0xFF] + b(#""}"#), "error:invalid_utf8"),
            ("line over max_line_bytes", b(#"{"id": "long", "text": ""# + String(repeating: "y", count: 3000) + #""}"#), "error:line_too_long"),
            ("blank line", b(""), "skip"),
            ("spaces and tabs only", b(" \t "), "skip"),
            ("CRLF line ending", b(#"{"id": "crlf", "text": "windows"}"#) + [0x0D], "doc:crlf"),
            ("empty text", b(#"{"id": "empty", "text": ""}"#), "doc:empty"),
            ("id null (a generated id)", b(#"{"id": null, "text": "no id"}"#), "doc:web:data/bad.jsonl:23"),
            ("numeric id past 2^53", b(#"{"id": 12345678901234567890, "text": "big id"}"#), "doc:12345678901234567890"),
            ("duplicate keys", b(#"{"id": "d1", "text": "a", "text": "b"}"#), "doc:d1"),
            ("text with U+2028 and emoji escapes", b(#"{"id": "u2028", "text": "a\u2028b \ud83d\ude00"}"#), "doc:u2028"),
        ]
    }()

    func testEveryBadLineIsCountedWithItsReason() throws {
        let dir = try makeTempDir(self)
        var file: [UInt8] = []
        for c in Self.cases { file += c.1 + [0x0A] }
        try writeFile("\(dir)/data/bad.jsonl", file)
        try writeFile("\(dir)/spec.json", """
        {"name": "bad", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"},
         "max_line_bytes": 2048, "max_error_fraction": 1}
        """)
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        let rows = try lineageRows(db, "select line, status, coalesce(reason, ''), coalesce(doc_id, '') from documents order by line")
        var byLine: [Int: [String]] = [:]
        for r in rows { byLine[Int(r[0])!] = r }
        let messages = try lineageRows(db, "select line, input, message from errors")
        for (i, c) in Self.cases.enumerated() {
            let line = i + 1
            let parts = c.2.split(separator: ":", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "error":
                XCTAssertEqual(byLine[line]?[1], "error", c.0)
                XCTAssertEqual(byLine[line]?[2], parts[1], c.0)
                let m = messages.first { $0[0] == "\(line)" }
                XCTAssertEqual(m?[1], "data/bad.jsonl", c.0)
                XCTAssertFalse(m?[2].isEmpty ?? true, c.0)
            case "doc":
                XCTAssertEqual(byLine[line]?[1], "kept", c.0)
                XCTAssertEqual(byLine[line]?[3], parts[1], c.0)
            default:
                XCTAssertNil(byLine[line], c.0)
            }
        }
        let bad = Self.cases.filter { $0.2.hasPrefix("error") }.count
        XCTAssertEqual(try lineageRows(db, "select docs_error from runs"), [["\(bad)"]])
        XCTAssertEqual(try lineageRows(db, "select json_extract(annotations, '$.duplicate_keys') from documents where doc_id = 'd1'"), [["text"]])
        XCTAssertTrue(try shardText("\(dir)/out").contains(#""id":"12345678901234567890""#))
    }

    /// A file deleted after the run planned it: the part is unreadable, the run goes on and ends finished_with_errors.
    func testFileDeletedMidRunIsAnUnreadablePart() throws {
        let dir = try makeTempDir(self)
        let (status, err) = try runChangingAnInputMidRun(dir, small: jsonl("s", "small")) {
            try FileManager.default.removeItem(atPath: "\(dir)/data/small.jsonl")
        }
        XCTAssertEqual(status, 3)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select status from runs"), [["finished_with_errors"]])
        XCTAssertEqual(err.map { [$0[0], $0[1]] }, [["data/small.jsonl", "unreadable_input"]])
        XCTAssertTrue(err.first?[2].contains("No such file") ?? false, "\(err)")
    }
}
