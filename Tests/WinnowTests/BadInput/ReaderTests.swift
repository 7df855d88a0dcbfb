import XCTest
@testable import Winnow

/// Issue 16, items 5 and 6: duplicate JSON keys and byte-order marks, read the same by a run and by `winnow pii scan`.
final class ReaderTests: XCTestCase {
    private func parse(_ line: String) -> (DocumentLineParser.Failure?, DocumentLineParser) {
        var p = DocumentLineParser(textField: "text", idField: "id")
        let bytes = Array(line.utf8)
        let f = bytes.withUnsafeBufferPointer { p.parse($0) }
        return (f, p)
    }

    /// Item 5: the last value wins (as Python's json and datatrove read it), at the first key's position.
    func testDuplicateKeysKeepTheLastValue() {
        let (f1, p1) = parse(#"{"text":"a","text":"b"}"#)
        XCTAssertNil(f1)
        XCTAssertEqual(String(decoding: p1.text, as: UTF8.self), "b")
        XCTAssertEqual(String(decoding: p1.rawText, as: UTF8.self), "b")
        XCTAssertEqual(p1.duplicateKeys, ["text"])

        let (f2, p2) = parse(#"{"id":"x","text":"t","id":"y"}"#)
        XCTAssertNil(f2)
        XCTAssertEqual(String(decoding: p2.id, as: UTF8.self), "y")
        XCTAssertEqual(p2.duplicateKeys, ["id"])

        let (f3, p3) = parse(#"{"text":"t","a":1,"b":2,"a":3}"#)
        XCTAssertNil(f3)
        XCTAssertEqual(String(decoding: p3.metadata, as: UTF8.self), #"{"a":3,"b":2}"#)
        XCTAssertEqual(p3.duplicateKeys, ["a"])

        let (f4, _) = parse(#"{"text":"a","text":5}"#)
        XCTAssertEqual(f4?.code, "text_not_string", "the last value is what counts")
        let (f5, p5) = parse(#"{"text":5,"text":"b"}"#)
        XCTAssertNil(f5)
        XCTAssertEqual(String(decoding: p5.text, as: UTF8.self), "b")

        // Lines without duplicates have none (the parser is reused across lines).
        var p = DocumentLineParser(textField: "text", idField: "id")
        for line in [#"{"text":"a","text":"b"}"#, #"{"text":"c"}"#] {
            let bytes = Array(line.utf8)
            XCTAssertNil(bytes.withUnsafeBufferPointer { p.parse($0) })
        }
        XCTAssertEqual(p.duplicateKeys, [])
    }

    /// Item 5 through a run and through `winnow pii scan`: the same line means the same document to both.
    func testRunAndScanReadDuplicateKeysAlike() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", #"{"id":"first","text":"no address here","text":"write to ana@example.org","id":"second"}"# + "\n")
        try writeFile("\(dir)/spec.json", #"{"name": "d", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select doc_id, json_extract(annotations, '$.duplicate_keys') from documents"),
                       [["second", "text,id"]])
        XCTAssertTrue(try shardText("\(dir)/out").contains(#""text":"write to ana@example.org""#))
        let scan = try CLI.run(["pii", "scan", "\(dir)/data/a.jsonl"])
        XCTAssertEqual(scan.status, 0, scan.stderr)
        XCTAssertEqual(scan.stdout, #"{"id":"second","spans":[{"start":9,"end":24,"kind":"email"}]}"# + "\n")
    }

    /// Item 6: a UTF-8 byte-order mark starts a JSONL file, a text file and a text file read by blocks; it is skipped.
    func testByteOrderMarkIsSkipped() throws {
        let dir = try makeTempDir(self)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        try writeFile("\(dir)/data/a.jsonl", bom + Array((jsonl("1", "first") + jsonl("2", "second")).utf8))
        try writeFile("\(dir)/data/b.jsonl.gz", bom + Array(jsonl("3", "third").utf8))
        try writeFile("\(dir)/books/c.txt", bom + Array("Olá, mundo.\n\nSecond block.\n".utf8))
        try writeFile("\(dir)/spec.json", """
        {"name": "b", "sources": [{"name": "web", "paths": ["data/*"]},
                                  {"name": "books", "paths": ["books/*.txt"], "format": "text", "text_mode": "blocks"},
                                  {"name": "whole", "paths": ["whole/*.txt"], "format": "text"}],
         "output": {"dir": "out"}}
        """)
        try writeFile("\(dir)/whole/d.txt", bom + Array("Whole file.".utf8))
        try runSpec("\(dir)/spec.json")
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select count(*) from errors"), [["0"]])
        let out = try shardText("\(dir)/out")
        XCTAssertFalse(out.contains("\u{feff}"), out)
        XCTAssertTrue(out.contains(#""text":"Olá, mundo.""#), out)
        XCTAssertTrue(out.contains(#""text":"Whole file.""#), out)
        XCTAssertEqual(out.components(separatedBy: "\n").filter { !$0.isEmpty }.count, 6)
        var texts: [String] = []
        try JSONLTexts.forEachText("\(dir)/data/a.jsonl") { texts.append($0) }
        XCTAssertEqual(texts, ["first", "second"])
    }

    /// Issue 17, item 5: `text_mode: chunks` gathers paragraphs into documents of about `chunk_words` words, cut only
    /// between paragraphs; a bad paragraph stays a bad line and closes the chunk before it.
    func testTextChunksGatherParagraphs() throws {
        let dir = try makeTempDir(self)
        // Ten paragraphs of 30 words each (two lines per paragraph), Portuguese and Japanese punctuation included.
        let paragraphs = (0..<10).map { p in
            (0..<2).map { l in (0..<15).map { w in "palavra\(p)_\(l)_\(w)" }.joined(separator: " ") + (l == 0 ? "，" : "。") }.joined(separator: "\n")
        }
        try writeFile("\(dir)/books/novel.txt", paragraphs.joined(separator: "\n\n") + "\n")
        try writeFile("\(dir)/spec.json", """
        {"name": "c", "sources": [{"name": "books", "paths": ["books/*.txt"], "format": "text", "text_mode": "chunks", "chunk_words": 100}],
         "output": {"dir": "out"}}
        """)
        let summary = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(summary.documentsIn, 3, "4 + 4 + 2 paragraphs")
        let rows = try lineageRows("\(dir)/out/lineage.db", "select doc_id, line from documents order by line")
        XCTAssertEqual(rows, [["books/novel.txt:1", "1"], ["books/novel.txt:13", "13"], ["books/novel.txt:25", "25"]])
        let out = try shardText("\(dir)/out").split(separator: "\n").map { try JSONParser.parse(Array($0.utf8))["text"]!.stringValue! }
        XCTAssertEqual(out[0], paragraphs[0..<4].joined(separator: "\n\n"))
        XCTAssertEqual(out[2], paragraphs[8..<10].joined(separator: "\n\n"))
        // chunk_words without text_mode chunks does nothing: a validate error.
        try writeFile("\(dir)/bad.json", #"{"name": "c", "sources": [{"name": "b", "paths": ["books/*.txt"], "format": "text", "chunk_words": 5}], "output": {"dir": "out2"}}"#)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/bad.json")) { XCTAssertTrue("\($0)".contains("/sources/0/chunk_words: has no effect unless text_mode is \"chunks\""), "\($0)") }
    }
}
