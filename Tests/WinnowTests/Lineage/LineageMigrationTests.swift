import Foundation
import XCTest
@testable import Winnow

/// A lineage file written by the previous schema version gets the new columns, tables and views, keeps its rows,
/// and a run can be added to it.
final class LineageMigrationTests: XCTestCase {
    func testVersionOneFileIsMigrated() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/a.jsonl", jsonl("a", "one two three four five six"))
        try writeFile("\(dir)/spec.json", #"{"name": "m", "sources": [{"name": "a", "paths": ["a.jsonl"]}], "output": {"dir": "out"}}"#)
        try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
        // The tables of version 1 that changed, as version 1 wrote them, with a row, and one of its views.
        var old: SQLiteDatabase? = try SQLiteDatabase(path: "\(dir)/out/lineage.db")
        try old!.exec("""
            CREATE TABLE runs (run_id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, spec_path TEXT NOT NULL, spec_sha256 TEXT NOT NULL,
              spec_json TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
              status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')), error TEXT,
              trigger TEXT NOT NULL DEFAULT 'manual', workers INTEGER, winnow_version TEXT, docs_in INTEGER, docs_kept INTEGER,
              docs_dropped INTEGER, docs_error INTEGER, shards INTEGER, output_dir TEXT);
            CREATE TABLE inputs (run_id TEXT NOT NULL, source TEXT NOT NULL, input TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
              partitions INTEGER NOT NULL, PRIMARY KEY (run_id, input));
            CREATE VIEW run_inputs AS SELECT r.run_id, i.input FROM inputs i JOIN runs r ON r.run_id = i.run_id;
            INSERT INTO runs (run_id, pipeline, spec_path, spec_sha256, spec_json, started_at, status) VALUES ('old', 'm', 'x', 'y', '{}', '2026-01-01T00:00:00Z', 'finished');
            PRAGMA user_version = 1;
            """)
        old = nil   // closed
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "PRAGMA user_version"), [[String(LineageSchema.version)]])
        XCTAssertEqual(try lineageRows(db, "select run_id, scheduled_for, version from runs order by started_at"), [["old", "", ""], [try lineageRows(db, "select run_id from runs where run_id != 'old'")[0][0], "", ""]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from run_inputs where change is null"), [["1"]], "the view is the new one")
        XCTAssertEqual(try lineageRows(db, "select count(*) from dataset_versions"), [["0"]])
    }
}
