import Foundation

/// A stage task's own lineage file (same schema as the pipeline's), and the merge of every task's file into the
/// pipeline's lineage file by `winnow run --finish`.
enum TaskLineage {
    /// Tables whose rows a task adds as they are.
    static let appended = ["documents", "errors", "run_tasks", "shards", "token_shards", "document_tokens", "mixture_rows", "curriculum_buckets"]
    /// Tables of per-run counters that tasks each hold a part of: (conflict key, summed columns, columns one task
    /// sets and the others leave NULL).
    static let summed: [(table: String, key: String, sums: [String], set: [String])] = [
        ("step_stats", "run_id, step_index", ["docs_in", "docs_out", "dropped", "seconds", "bytes_in", "bytes_out"], []),
        ("source_stats", "run_id, source", ["docs_in", "errors", "docs_out", "unreadable", "bytes_in", "bytes_out"], ["tokens_out"]),
    ]

    /// Creates (replacing a killed attempt's) a task's lineage file. Rollback journal in memory, no WAL and no
    /// syncs while the task runs: the file is only trusted once the task's completion mark exists, which is
    /// written after `seal`; it may live on shared storage.
    static func create(_ path: String) throws -> SQLiteDatabase {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
        let db = try SQLiteDatabase(path: path)
        try db.exec("PRAGMA journal_mode = MEMORY")
        try db.exec("PRAGMA synchronous = OFF")
        try db.exec("PRAGMA temp_store = MEMORY")
        try LineageSchema.apply(to: db)
        return db
    }

    /// Makes a finished task's lineage file durable (one fsync), before its completion mark is written.
    static func seal(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path, "cannot open to sync (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileError(path, "cannot sync (\(String(cString: strerror(errno))))") }
    }

    /// Documents read and bad lines recorded in a task's file (for `max_error_fraction` across tasks).
    static func readAndBad(_ db: SQLiteDatabase, runID: String) throws -> (read: Int, bad: Int) {
        let (bad, read) = try RunLedger(db: db).errorAndReadCounts(runID)
        return (read, bad)
    }

    /// Removes every row of run `runID` that a merge adds (a `--finish` killed part-way merges again from scratch).
    static func discard(_ db: SQLiteDatabase, runID: String) throws {
        try db.transaction {
            for t in appended + summed.map(\.table) + ["inputs", "runs"] { try db.run("DELETE FROM \(t) WHERE run_id = ?", [.text(runID)]) }
        }
    }

    /// Adds the rows of one task's file to the pipeline's lineage file, in one transaction.
    static func merge(into db: SQLiteDatabase, from file: String) throws {
        try db.run("ATTACH DATABASE ? AS task", [.text(file)])
        defer { try? db.exec("DETACH DATABASE task") }
        try db.transaction {
            for t in appended {
                let cols = try columns(db, t)
                try db.exec("INSERT INTO main.\(t) (\(cols)) SELECT \(cols) FROM task.\(t)")
            }
            for s in summed {
                let cols = try columns(db, s.table)
                let update = (s.sums.map { "\($0) = \($0) + excluded.\($0)" } + s.set.map { "\($0) = coalesce(excluded.\($0), \($0))" }).joined(separator: ", ")
                try db.exec("INSERT INTO main.\(s.table) (\(cols)) SELECT \(cols) FROM task.\(s.table) WHERE true ON CONFLICT (\(s.key)) DO UPDATE SET \(update)")
            }
        }
    }

    private static func columns(_ db: SQLiteDatabase, _ table: String) throws -> String {
        try db.query("PRAGMA main.table_info(\(table))").rows.compactMap { $0[1].text }.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
