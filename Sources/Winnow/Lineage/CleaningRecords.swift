import Foundation

/// The lineage reads and writes that keeping an earlier run's cleaning needs (`winnow run` re-runs, `winnow remix`):
/// which finished run last wrote a folder, its inputs, shards and annotations, and copying its cleaning rows.
enum CleaningRecords {
    struct FinishedRun { let id: String; let specJSON: String; let specPath: String; let cleaningSHA256: String? }

    /// The newest finished, non-incremental run that wrote `outputDir`.
    static func newestFinishedRun(_ db: SQLiteDatabase, outputDir: String) throws -> FinishedRun? {
        guard let r = try db.query("""
            SELECT run_id, spec_json, spec_path, cleaning_sha256 FROM runs WHERE output_dir = ? AND status IN ('finished', 'finished_with_errors')
            AND version IS NULL ORDER BY finished_at DESC, rowid DESC LIMIT 1
            """, [.text(outputDir)]).rows.first, let id = r[0].text else { return nil }
        return FinishedRun(id: id, specJSON: r[1].text ?? "", specPath: r[2].text ?? "", cleaningSHA256: r[3].text)
    }

    /// How many incremental runs wrote one of `outputDirs`.
    static func incrementalRuns(_ db: SQLiteDatabase, outputDirs: [String]) throws -> Int {
        Int(try db.query("SELECT count(*) FROM runs WHERE output_dir IN (\(outputDirs.map { _ in "?" }.joined(separator: ", "))) AND version IS NOT NULL",
                         outputDirs.map { .text($0) }).rows.first?.first?.integer ?? 0)
    }

    /// `source \t input \t size \t mtime` of each input of run `id`.
    static func inputKeys(_ db: SQLiteDatabase, runID id: String) throws -> Set<String> {
        Set(try db.query("SELECT source, input, size, mtime FROM inputs WHERE run_id = ?", [.text(id)]).rows.map {
            inputKey($0[0].text ?? "", $0[1].text ?? "", $0[2].integer ?? -1, $0[3].real ?? -1)
        })
    }
    static func inputKey(_ source: String, _ input: String, _ size: Int64, _ mtime: Double) -> String { "\(source)\t\(input)\t\(size)\t\(mtime)" }

    /// Whether run `id` read documents but recorded no per-document rows (`--no-lineage`, or pruned).
    static func lacksDocumentRows(_ db: SQLiteDatabase, runID id: String) throws -> Bool {
        let r = try db.query("SELECT coalesce(docs_in, 0) > 0, EXISTS (SELECT 1 FROM documents WHERE run_id = ?) FROM runs WHERE run_id = ?", [.text(id), .text(id)]).rows.first
        return r?[0].integer == 1 && r?[1].integer == 0
    }

    /// The text shards run `id` recorded, in order.
    static func shards(_ db: SQLiteDatabase, runID id: String) throws -> [ShardInfo] {
        try db.query("SELECT shard, path, format, docs, bytes, uncompressed_bytes, sha256, sources, input FROM shards WHERE run_id = ? ORDER BY shard",
                     [.text(id)]).rows.map { r in
            let sources = (try? JSONParser.parse(Array((r[7].text ?? "{}").utf8)))?.objectValue?.pairs ?? []
            return ShardInfo(shard: Int(r[0].integer ?? 0), path: r[1].text ?? "", input: r[8].text ?? "", format: r[2].text ?? "",
                             documents: Int(r[3].integer ?? 0), bytes: r[4].integer ?? 0, uncompressedBytes: r[5].integer ?? 0, sha256: r[6].text ?? "",
                             sources: Dictionary(uniqueKeysWithValues: sources.map { ($0.0, $0.1.intValue ?? 0) }))
        }
    }

    /// Each kept document of run `id` in shard order: its shard and its annotations' JSON (stepped row by row, so a
    /// big run's annotations need not fit in memory).
    static func forEachKeptAnnotation(_ db: SQLiteDatabase, runID id: String, _ body: (Int, String) throws -> Void) throws {
        let st = try db.prepare("SELECT shard, annotations FROM documents WHERE run_id = ? AND status = 'kept' AND shard IS NOT NULL ORDER BY shard, position")
        st.bind(1, .text(id))
        while try st.step() { try body(Int(st.column(0).integer ?? -1), st.column(1).text ?? "{}") }
    }

    /// Copies run `from`'s cleaning rows (documents unless `documents` is false, errors, step and source counts,
    /// shards) to run `to`, names `from` in its `cleaning_run_id` and marks `task` done, in one transaction.
    static func copyCleaningRows(_ db: SQLiteDatabase, from: String, to: String, documents: Bool, task: String) throws {
        try db.exec("BEGIN IMMEDIATE")
        do {
            for table in ["documents", "errors", "step_stats", "source_stats", "shards"] {
                try db.run("DELETE FROM \(table) WHERE run_id = ?", [.text(to)])
                if table == "documents" && !documents { continue }
                let columns = try db.query("PRAGMA table_info(\(table))").rows.compactMap { $0[1].text }.filter { $0 != "run_id" }
                    .map { "\"\($0)\"" }.joined(separator: ", ")
                try db.run("INSERT INTO \(table) (run_id, \(columns)) SELECT ?, \(columns) FROM \(table) WHERE run_id = ?", [.text(to), .text(from)])
            }
            try db.run("UPDATE runs SET cleaning_run_id = ? WHERE run_id = ?", [.text(from), .text(to)])
            try db.run("INSERT OR REPLACE INTO run_tasks (run_id, task, finished_at) VALUES (?, ?, ?)", [.text(to), .text(task), .text(isoNow())])
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
    }
}
