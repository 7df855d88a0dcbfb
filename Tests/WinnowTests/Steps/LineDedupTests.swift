import XCTest
@testable import Winnow

final class LineDedupTests: XCTestCase {
    /// Through the CLI: boilerplate lines leave every document, a document of nothing but boilerplate is
    /// dropped, the next step sees the rewritten text, and lineage counts the removed lines.
    func testBoilerplateLinesAreRemovedEverywhere() throws {
        let dir = try makeTempDir(self)
        let footer = "Copyright 2024 Example Inc. All rights reserved."
        let menu = "Home | About | Contact"
        let docs = [
            ("a", "\(menu)\nThe river rises in the hills and runs to the sea.\n\(footer)"),
            ("b", "\(menu)\nOur dog likes the water, every morning.\nCOPYRIGHT 2025 example inc. all rights reserved!"),
            ("c", "\(menu)\n\(footer)"),
            ("d", "A page with no boilerplate at all, but long enough."),
        ]
        try writeFile("\(dir)/data/a.jsonl", docs.map { jsonl($0.0, $0.1) }.joined())
        try writeFile("\(dir)/spec.json", """
        {"name": "ld", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}],
         "steps": [{"type": "line_dedup"}, {"type": "length", "min_chars": 1}], "output": {"dir": "out", "compression": "none"}}
        """)
        let run = try CLI.run(["run", "\(dir)/spec.json", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let shards = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/out").filter { $0.hasPrefix("shard-") }.sorted()
        var texts: [String: String] = [:]
        for s in shards {
            for line in try readText("\(dir)/out/\(s)").split(separator: "\n") {
                let v = try JSONParser.parse(String(line))
                texts[v["id"]!.stringValue!] = v["text"]!.stringValue!
            }
        }
        XCTAssertEqual(texts, ["a": "The river rises in the hills and runs to the sea.",
                               "b": "Our dog likes the water, every morning.",
                               "d": "A page with no boilerplate at all, but long enough."])
        let rows = try CLI.run(["lineage", "--spec", "\(dir)/spec.json", "--csv",
                                "select doc_id, status, reason, json_extract(annotations, '$.line_dedup_removed') as removed from documents order by doc_id"])
        XCTAssertEqual(rows.stdout, "doc_id,status,reason,removed\na,kept,,2\nb,kept,,2\nc,dropped,all_lines_duplicated,2\nd,kept,,\n", rows.stderr)
    }

    func testSketchCountsDocumentsNotOccurrences() throws {
        let step = LineDedup(name: "l", minDocuments: 3, sketchWidth: 1024)
        let r = step.makeReducer()
        let docs = ["x\nx\nx\nkeep one", "x\nkeep two", "y\nkeep three"]   // "x" is in 2 documents only
        for (i, t) in docs.enumerated() {
            step.key(for: Document(id: "\(i)", text: t, source: "s")).withUnsafeBytes { r.consume(order: i, docID: "\(i)", key: $0) }
        }
        XCTAssertEqual(try r.finish().count, 0)
    }
}
