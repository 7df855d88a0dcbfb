import Foundation

/// What an incremental pipeline reads from lineage to plan its next version: the versions of its dataset, the
/// inputs its series has seen, and the kept documents of inputs that changed.
enum DatasetRecords {
    struct Version { let version: Int; let runID: String; let series: Int; let specSHA256: String; let path: String }

    /// The pipeline's dataset versions, oldest first.
    static func versions(_ db: SQLiteDatabase, pipeline: String) throws -> [Version] {
        try db.query("SELECT version, run_id, series, spec_sha256, path FROM dataset_versions WHERE pipeline = ? ORDER BY version", [.text(pipeline)]).rows.map {
            Version(version: Int($0[0].integer ?? 0), runID: $0[1].text ?? "", series: Int($0[2].integer ?? 0), specSHA256: $0[3].text ?? "", path: $0[4].text ?? "")
        }
    }

    /// The highest version any run of the pipeline took (a failed run's number is not given again).
    static func highestRunVersion(_ db: SQLiteDatabase, pipeline: String) throws -> Int {
        Int(try db.query("SELECT max(version) FROM runs WHERE pipeline = ?", [.text(pipeline)]).rows.first?.first?.integer ?? 0)
    }

    /// An input as a finished run of the series recorded it.
    struct SeenInput { let input: String; let size: Int64; let mtime: Double; let sha256: String?; let change: String?; let runID: String }

    /// The inputs of the series' version runs, and the touched files runs with nothing new recorded since the
    /// series' first run began, oldest first.
    static func seriesInputs(_ db: SQLiteDatabase, pipeline: String, series: Int, firstRunID: String) throws -> [SeenInput] {
        try db.query("""
            SELECT i.input, i.size, i.mtime, i.sha256, i.change, i.run_id FROM inputs i JOIN runs r ON r.run_id = i.run_id
            WHERE r.pipeline = ? AND r.status IN ('finished', 'finished_with_errors')
              AND (r.run_id IN (SELECT run_id FROM dataset_versions WHERE pipeline = ? AND series = ?)
                   OR (r.version IS NULL AND i.change = 'touched' AND r.started_at >= (SELECT started_at FROM runs WHERE run_id = ?)))
            ORDER BY r.started_at, r.rowid
            """, [.text(pipeline), .text(pipeline), .integer(Int64(series)), .text(firstRunID)]).rows.map {
            SeenInput(input: $0[0].text ?? "", size: $0[1].integer ?? -1, mtime: $0[2].real ?? -1, sha256: $0[3].text, change: $0[4].text, runID: $0[5].text ?? "")
        }
    }

    /// (earlier run, input) pairs that run `runID` (a dataset version) superseded.
    static func supersededInputs(_ db: SQLiteDatabase, of runID: String) throws -> [(earlierRunID: String, input: String)] {
        try db.query("SELECT earlier_run_id, input FROM superseded_inputs WHERE run_id = ?", [.text(runID)]).rows.map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    /// How many documents run `runID` kept from `input`.
    static func keptCount(_ db: SQLiteDatabase, runID: String, input: String) throws -> Int {
        Int(try db.query("SELECT count(*) FROM documents WHERE run_id = ? AND input = ? AND status = 'kept'", [.text(runID), .text(input)]).rows.first?.first?.integer ?? 0)
    }

    /// The ids of the documents run `runID` kept from `input`.
    static func keptIDs(_ db: SQLiteDatabase, runID: String, input: String) throws -> [String] {
        try db.query("SELECT doc_id FROM documents WHERE run_id = ? AND input = ? AND status = 'kept' AND doc_id IS NOT NULL", [.text(runID), .text(input)])
            .rows.compactMap { $0.first?.text }
    }
}
