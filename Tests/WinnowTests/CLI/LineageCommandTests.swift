import Foundation
import XCTest
@testable import Winnow

/// Lineage that does not count twice (issue 17, item 8): --run, the latest_* views, finding the lineage file,
/// explain's mixture lines, and prune.
final class LineageCommandTests: XCTestCase {
    /// Two runs of one spec (the second --fresh) into one lineage file.
    private func twoRuns() throws -> String {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", (0..<12).map { jsonl("d\($0)", $0 < 3 ? "short" : "a document with enough words to pass the length filter \($0)") }.joined())
        try writeFile("\(dir)/spec.json", #"{"name": "q", "sources": [{"name": "w", "paths": ["data/*.jsonl"]}], "steps": [{"type": "length", "min_words": 5}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        try runSpec("\(dir)/spec.json", fresh: true)
        return dir
    }

    func testRunScopesTablesAndViewsAndLatestViewsCountOnce() throws {
        let dir = try twoRuns()
        let db = "\(dir)/out/lineage.db"
        let bytes = try readFileBytes(db)
        XCTAssertEqual(try lineageRows(db, "select count(*) from documents"), [["24"]], "every run is kept")
        XCTAssertEqual(try LineageStore.query(db, "select count(*) from documents", run: "latest").rows.map { $0.map(QueryResult.cell) }, [["12"]])
        XCTAssertEqual(try LineageStore.query(db, "select sum(documents) from drop_reasons", run: "latest").rows.map { $0.map(QueryResult.cell) }, [["3"]],
                       "views answer for the run too")
        XCTAssertEqual(try lineageRows(db, "select count(*) from latest_documents"), [["12"]])
        XCTAssertEqual(try lineageRows(db, "select documents from latest_drop_reasons"), [["3"]])
        let first = try lineageRows(db, "select run_id from runs order by started_at, rowid")[0][0]
        let cli = try CLI.run(["lineage", "--db", db, "--run", first, "--csv", "select count(*) as n from documents"])
        XCTAssertEqual(cli.stdout, "n\n12\n", cli.stderr)
        let bad = try CLI.run(["lineage", "--db", db, "--run", "nope", "select 1"])
        XCTAssertTrue(bad.stderr.contains("no run nope (the newest: "), bad.stderr)
        XCTAssertEqual(try readFileBytes(db), bytes, "--run's TEMP views leave the file untouched")
    }

    /// Without --db: ./lineage.db, else the one lineage file of the specs in ./pipelines, else an error saying so.
    func testLineageFileIsFoundFromThePipelinesFolder() throws {
        let dir = try twoRuns()
        try writeFile("\(dir)/pipelines/q.json", #"{"name": "q", "sources": [{"name": "w", "paths": ["../data/*.jsonl"]}], "output": {"dir": "../out"}}"#)
        let found = try CLI.run(["lineage", "--csv", "select count(*) as n from runs"], cwd: dir)
        XCTAssertEqual(found.stdout, "n\n2\n", found.stderr)
        let empty = try makeTempDir(self)
        let none = try CLI.run(["lineage", "select 1"], cwd: empty)
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("pass --db PATH or --spec SPEC"), none.stderr)
    }

    /// explain says when the mixture left a kept document out of the token shards, or repeated it.
    func testExplainTellsWhatTheMixtureDid() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/small.jsonl", (0..<6).map { jsonl("s\($0)", "a small source document number \($0) with some words") }.joined())
        try writeFile("\(dir)/data/big.jsonl", (0..<40).map { jsonl("b\($0)", "a big source document number \($0) with a few more words in it than the small ones") }.joined())
        try writeFile("\(dir)/spec.json", """
        {"name": "m", "sources": [{"name": "small", "paths": ["data/small.jsonl"], "weight": 0.5, "max_epochs": 5},
                                  {"name": "big", "paths": ["data/big.jsonl"], "weight": 0.5}],
         "tokenizer": {"train": {"vocab_size": 300}}, "output": {"dir": "out", "formats": ["jsonl", "llmc"]}}
        """)
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        let repeated = try lineageRows(db, "select doc_id from document_tokens where source = 'small' group by doc_id having count(*) > 1 limit 1")
        let leftOut = try lineageRows(db, """
            select doc_id from documents d where status = 'kept' and source = 'big'
            and not exists (select 1 from document_tokens t where t.doc_id = d.doc_id) limit 1
            """)
        XCTAssertEqual(repeated.count, 1)
        XCTAssertEqual(leftOut.count, 1)
        let r = try CLI.run(["explain", "--db", db, repeated[0][0]])
        XCTAssertTrue(r.stdout.contains("copies in the token shards (epochs 0–"), r.stdout)
        let l = try CLI.run(["explain", "--db", db, leftOut[0][0]])
        XCTAssertTrue(l.stdout.contains("tokens      none: the mixture left it out of the token shards (source big down-sampled to its target 50.0%"), l.stdout)
    }

    /// prune removes old runs' document rows (and shrinks the file), keeping the newest N runs' and every run row.
    func testPruneKeepsTheNewestRuns() throws {
        let dir = try twoRuns()
        try runSpec("\(dir)/spec.json", fresh: true)
        let db = "\(dir)/out/lineage.db"
        let r = try CLI.run(["lineage", "prune", "--keep", "1", "--db", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("pruned 24 row(s) of 2 run(s)"), r.stdout)
        XCTAssertEqual(try lineageRows(db, "select count(*) from runs"), [["3"]])
        XCTAssertEqual(try lineageRows(db, "select count(distinct run_id), count(*) from documents"), [["1", "12"]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from latest_documents"), [["12"]])
    }
}
