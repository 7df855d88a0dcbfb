import Foundation
import XCTest
@testable import Winnow

/// A lineage file written by the previous schema version gets the new columns, tables and views, keeps its rows,
/// and a run can be added to it.
final class LineageMigrationTests: XCTestCase {
    /// `runs` as version 1 created it (without the closing parenthesis, so version 2's columns can follow).
    static let runsV1 = """
        CREATE TABLE runs (run_id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, spec_path TEXT NOT NULL, spec_sha256 TEXT NOT NULL,
          spec_json TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
          status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')), error TEXT,
          trigger TEXT NOT NULL DEFAULT 'manual', workers INTEGER, winnow_version TEXT, docs_in INTEGER, docs_kept INTEGER,
          docs_dropped INTEGER, docs_error INTEGER, shards INTEGER, output_dir TEXT
        """

    /// A folder with a one-document pipeline whose lineage file `sql` wrote (as an older Winnow would have); the file is closed.
    private func pipelineWithOldLineage(_ sql: String) throws -> String {
        let dir = try makeTempDir(self, name)
        try writeFile("\(dir)/a.jsonl", jsonl("a", "one two three four five six"))
        try writeFile("\(dir)/spec.json", #"{"name": "m", "sources": [{"name": "a", "paths": ["a.jsonl"]}], "output": {"dir": "out"}}"#)
        try FileManager.default.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
        try SQLiteDatabase(path: "\(dir)/out/lineage.db").exec(sql)
        return dir
    }

    func testVersionOneFileIsMigrated() throws {
        // The tables of version 1 that changed, as version 1 wrote them, with a row, and one of its views.
        let dir = try pipelineWithOldLineage("""
            \(Self.runsV1));
            CREATE TABLE inputs (run_id TEXT NOT NULL, source TEXT NOT NULL, input TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
              partitions INTEGER NOT NULL, PRIMARY KEY (run_id, input));
            CREATE VIEW run_inputs AS SELECT r.run_id, i.input FROM inputs i JOIN runs r ON r.run_id = i.run_id;
            INSERT INTO runs (run_id, pipeline, spec_path, spec_sha256, spec_json, started_at, status) VALUES ('old', 'm', 'x', 'y', '{}', '2026-01-01T00:00:00Z', 'finished');
            PRAGMA user_version = 1;
            """)
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "PRAGMA user_version"), [[String(LineageSchema.version)]])
        XCTAssertEqual(try lineageRows(db, "select run_id, scheduled_for, version from runs order by started_at"), [["old", "", ""], [try lineageRows(db, "select run_id from runs where run_id != 'old'")[0][0], "", ""]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from run_inputs where change is null"), [["1"]], "the view is the new one")
        XCTAssertEqual(try lineageRows(db, "select count(*) from dataset_versions"), [["0"]])
    }

    /// Version 2 → 3: `runs` is rebuilt so its CHECK allows finished_with_errors and abandoned (rows and their column
    /// values kept, columns added by the v2 migration at the end included), and source_stats gains `unreadable`.
    func testVersionTwoFileGetsTheNewStatuses() throws {
        let dir = try pipelineWithOldLineage("""
            \(Self.runsV1), scheduled_for TEXT, version INTEGER);
            CREATE TABLE source_stats (run_id TEXT NOT NULL, source TEXT NOT NULL, docs_in INTEGER NOT NULL DEFAULT 0,
              errors INTEGER NOT NULL DEFAULT 0, docs_out INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, source));
            CREATE VIEW failed_runs AS SELECT run_id FROM runs WHERE status = 'failed';
            INSERT INTO runs (run_id, pipeline, spec_path, spec_sha256, spec_json, started_at, status, scheduled_for, version)
              VALUES ('old', 'other', 'x', 'y', '{}', '2026-01-01T00:00:00Z', 'interrupted', '2026-01-01T03:00:00-03:00', 7);
            INSERT INTO source_stats VALUES ('old', 'a', 5, 1, 4);
            PRAGMA user_version = 2;
            """)
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "PRAGMA user_version"), [[String(LineageSchema.version)]])
        XCTAssertEqual(try lineageRows(db, "select status, scheduled_for, version from runs where run_id = 'old'"), [["interrupted", "2026-01-01T03:00:00-03:00", "7"]])
        XCTAssertEqual(try lineageRows(db, "select docs_in, errors, docs_out, unreadable from source_stats where run_id = 'old'"), [["5", "1", "4", "0"]])
        let w = try SQLiteDatabase(path: db)
        try w.exec("UPDATE runs SET status = 'abandoned' WHERE run_id = 'old'")
        try w.exec("UPDATE runs SET status = 'finished_with_errors' WHERE run_id = 'old'")
        XCTAssertThrowsError(try w.exec("UPDATE runs SET status = 'nonsense' WHERE run_id = 'old'"))
        XCTAssertEqual(try lineageRows(db, "select count(*) from failed_runs where run_id = 'old'"), [["1"]], "the view is the new one")
    }

    /// Version 3 → 4: `runs.cleaning_sha256`, `runs.cleaning_run_id` and `shards.input` are added; old rows keep their values (NULL in the new
    /// columns), new runs fill them.
    func testVersionThreeFileGetsTheCleaningColumns() throws {
        // Version 4's schema text without its two new columns is version 3's.
        var v3 = LineageSchema.sql
        let shardInput = "  input       TEXT,                        -- the input file its documents came from (NULL in runs before version 4)\n"
        XCTAssertTrue(v3.contains(shardInput))
        v3 = v3.replacingOccurrences(of: shardInput, with: "")
        let runsEnd = try XCTUnwrap(v3.range(of: "  output_dir    TEXT,\n  cleaning_sha256 TEXT,"))
        let closing = try XCTUnwrap(v3.range(of: "\n);", range: runsEnd.upperBound..<v3.endIndex))
        v3.replaceSubrange(runsEnd.lowerBound..<closing.lowerBound, with: "  output_dir    TEXT")
        let dir = try pipelineWithOldLineage(v3 + """
            INSERT INTO runs (run_id, pipeline, spec_path, spec_sha256, spec_json, started_at, status) VALUES ('old', 'm', 'x', 'y', '{}', '2026-01-01T00:00:00Z', 'finished');
            INSERT INTO shards VALUES ('old', 0, 'shard-00000.jsonl.zst', 'jsonl', 1, 10, 20, 'abc', '{}');
            PRAGMA user_version = 3;
            """)
        try runSpec("\(dir)/spec.json")
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "PRAGMA user_version"), [[String(LineageSchema.version)]])
        XCTAssertEqual(try lineageRows(db, "select run_id, cleaning_run_id, length(cleaning_sha256) from runs order by started_at"), [["old", "", ""], [try lineageRows(db, "select run_id from runs where run_id != 'old'")[0][0], "", "64"]])
        XCTAssertEqual(try lineageRows(db, "select run_id, input from shards order by run_id = 'old' desc"), [["old", ""], [try lineageRows(db, "select run_id from runs where run_id != 'old'")[0][0], "a.jsonl"]])
    }
}
