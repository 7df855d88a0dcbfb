import CSQLite
import Foundation

/// Opening lineage files, and the read-only questions `winnow lineage`, `explain` and `runs` ask.
public enum LineageStore {
    /// Opens (creating if needed) a lineage file for a run's writer: WAL, schema applied.
    static func openForWriting(_ path: String) throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        // Changing the journal mode needs the file to itself and does not wait through the busy timeout: another
        // process's short write (a scheduler recording an event) makes it fail at once, so try again for a while.
        var waited = 0.0
        while true {
            do { try db.exec("PRAGMA journal_mode = WAL"); break } catch let e as SQLiteError where e.code == SQLITE_BUSY && waited < SQLiteDatabase.busyTimeoutSeconds {
                usleep(20_000); waited += 0.02
            }
        }
        try db.exec("PRAGMA synchronous = NORMAL")
        try db.exec("PRAGMA temp_store = MEMORY")
        try db.exec("PRAGMA cache_size = -65536")   // 64 MiB: index pages stay in memory during bulk inserts
        // Checkpoint (and fsync) every 64 MiB of WAL rather than every 4 MiB: fewer stalls of the writer thread.
        try db.exec("PRAGMA wal_autocheckpoint = 16384")
        try LineageSchema.apply(to: db)
        return db
    }

    /// Opens (creating if needed) a lineage file for a few small writes (the scheduler's state and events), leaving
    /// its journal mode as it is, so a finished run's file stays one self-contained file.
    static func openForSmallWrites(_ path: String) throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        try LineageSchema.apply(to: db)
        return db
    }

    /// Opens a lineage file so that nothing can change it, and so that no statement can reach another file:
    /// `ATTACH` (which creates files) and `DETACH` are denied by an authorizer. A WAL-mode file on read-only media
    /// (where SQLite cannot create its `-shm` file) is opened immutable instead.
    public static func openReadOnly(_ path: String) throws -> SQLiteDatabase {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw LineageError("\(path): no lineage file here (run a pipeline first, or pass --db PATH)")
        }
        guard !isDir.boolValue else { throw LineageError("\(path): is a folder, not a lineage file (pass --db FOLDER/lineage.db)") }
        var db = try SQLiteDatabase(path: path, readOnly: true)
        do {
            _ = try db.query("SELECT count(*) FROM sqlite_master")
        } catch let e as SQLiteError where [SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_IOERR, SQLITE_BUSY].contains(e.code & 0xFF) {
            db = try SQLiteDatabase(path: path, readOnly: true, immutable: true)
            _ = try db.query("SELECT count(*) FROM sqlite_master")
        } catch let e as SQLiteError {
            throw LineageError(e.message.hasPrefix(path) ? e.message : "\(path): \(e.message)")
        }
        sqlite3_set_authorizer(db.handle, { _, action, _, _, _, _ in
            action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK
        }, nil)
        return db
    }

    /// Runs one SQL statement read-only. A statement that would write (`VACUUM INTO` included), reach another file
    /// (`ATTACH`) or come with more statements after it is refused with a clear message; the file is untouched.
    public static func query(_ path: String, _ sql: String, run: String? = nil) throws -> QueryResult {
        let db = try openReadOnly(path)
        if let run { _ = try scope(db, toRun: run, path: path) }
        do {
            try checkSingleReadOnlyStatement(db, sql)
            let r = try db.query(sql)
            return QueryResult(columns: r.columns, rows: r.rows)
        } catch let e as LineageError {
            throw e
        } catch let e as SQLiteError where e.code == SQLITE_AUTH {
            throw LineageError("winnow lineage reads one lineage file: ATTACH and DETACH are not allowed (\(e.message)); open another file with --db")
        } catch let e as SQLiteError {
            let lower = e.message.lowercased()
            if lower.contains("readonly") || lower.contains("read-only") || lower.contains("query_only") {
                throw LineageError("winnow lineage is read-only: this statement would change \(path) (\(e.message)); the file was not modified")
            }
            throw LineageError("SQL error: \(e.message)")
        }
    }

    /// Restricts the connection to one run (`latest`: the newest finished one): every table with a `run_id` column,
    /// and every view, is shadowed by a TEMP view of the same name holding only that run's rows, so any query —
    /// the README's, a view — answers for that run alone. Returns the run id.
    static func scope(_ db: SQLiteDatabase, toRun run: String, path: String) throws -> String {
        let id: String
        if run == "latest" {
            guard let newest = try db.query("SELECT run_id FROM runs WHERE status IN ('finished', 'finished_with_errors') ORDER BY started_at DESC, rowid DESC LIMIT 1").rows.first?.first?.text else {
                throw LineageError("\(path): no finished run yet, so no latest run")
            }
            id = newest
        } else {
            guard try !db.query("SELECT 1 FROM runs WHERE run_id = ?", [.text(run)]).rows.isEmpty else {
                let recent = try db.query("SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 5").rows.compactMap { $0.first?.text }
                throw LineageError("\(path): no run \(run) (the newest: \(recent.joined(separator: ", ")); or --run latest)")
            }
            id = run
        }
        let literal = "'" + id.replacingOccurrences(of: "'", with: "''") + "'"
        let tables = try db.query("""
            SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'run_id')
            """).rows.compactMap { $0.first?.text }
        let views = try db.query("SELECT name, sql FROM sqlite_master WHERE type = 'view'").rows
        try db.exec("PRAGMA query_only = 0")     // TEMP objects live in memory: the file stays untouched
        for t in tables { try db.exec("CREATE TEMP VIEW \"\(t)\" AS SELECT * FROM main.\"\(t)\" WHERE run_id = \(literal)") }
        for v in views {
            guard let sql = v[1].text, let r = sql.range(of: #"^CREATE VIEW( IF NOT EXISTS)?"#, options: .regularExpression) else { continue }
            try db.exec("CREATE TEMP VIEW" + sql[r.upperBound...])
        }
        try db.exec("PRAGMA query_only = 1")
        return id
    }

    /// Removes the per-document rows (documents, errors, document_tokens) of every run but the newest `keep` of
    /// each pipeline, then VACUUMs the file: lineage grows by about 700 bytes per document per run. Runs, inputs,
    /// step and source counts, shards and mixture rows stay. Incremental pipelines' dataset versions keep their rows
    /// (the dataset is made of them). Returns what was done, in a line.
    public static func prune(_ path: String, keep: Int) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw LineageError("\(path): no lineage file here") }
        let before = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let db = try SQLiteDatabase(path: path)
        let old = try db.query("""
            SELECT run_id FROM (SELECT run_id, row_number() OVER (PARTITION BY pipeline ORDER BY started_at DESC, rowid DESC) AS n FROM runs)
            WHERE n > ? AND run_id NOT IN (SELECT run_id FROM dataset_versions)
            """, [.integer(Int64(keep))]).rows.compactMap { $0.first?.text }
        var rows = 0
        try db.transaction {
            for id in old {
                for table in ["documents", "errors", "document_tokens"] {
                    try db.run("DELETE FROM \(table) WHERE run_id = ?", [.text(id)])
                    rows += db.changes
                }
            }
        }
        try db.exec("VACUUM")
        let after = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return String(format: "pruned %d row(s) of %d run(s) (the newest %d run(s) of each pipeline keep theirs); %@: %.1f MB → %.1f MB",
                      rows, old.count, keep, path, Double(before) / 1e6, Double(after) / 1e6)
    }

    /// Refuses `sql` unless it is exactly one statement (comments and a trailing `;` aside) that does not write.
    static func checkSingleReadOnlyStatement(_ db: SQLiteDatabase, _ sql: String) throws {
        var stmt: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let bytes = Array(sql.utf8CString)
        try bytes.withUnsafeBufferPointer { buf in
            let rc = sqlite3_prepare_v2(db.handle, buf.baseAddress, -1, &stmt, &tail)
            guard rc == SQLITE_OK else { throw db.lastError(rc) }
            defer { sqlite3_finalize(stmt) }
            guard let stmt else { throw LineageError("no SQL statement given") }
            if sqlite3_stmt_readonly(stmt) == 0 {
                throw LineageError("winnow lineage is read-only: this statement would write (\(sql.trimmingCharacters(in: .whitespacesAndNewlines).prefix(40))…); the file was not modified")
            }
            let head = String(cString: sqlite3_sql(stmt)).trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            if head.hasPrefix("VACUUM") {
                throw LineageError("winnow lineage is read-only: VACUUM is not allowed (VACUUM INTO writes a new file); the file was not modified")
            }
            if let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                let rc2 = sqlite3_prepare_v2(db.handle, tail, -1, &next, nil)
                defer { sqlite3_finalize(next) }
                if rc2 != SQLITE_OK || next != nil {
                    throw LineageError("give one SQL statement: more follows the first \";\" (\(String(cString: tail).trimmingCharacters(in: .whitespacesAndNewlines).prefix(40))…); nothing was run")
                }
            }
        }
    }

    /// Every lineage row of a document (newest run first), plus the story of its kept twin.
    public static func explain(_ path: String, docID: String) throws -> String {
        let db = try openReadOnly(path)
        let r = try db.query("""
            SELECT run_id, pipeline, spec_sha256, started_at, source, input, line, status, step, reason, annotations, dup_of, shard, shard_path, position
            FROM document_story WHERE doc_id = ? ORDER BY started_at DESC, run_id DESC
            """, [.text(docID)])
        guard !r.rows.isEmpty else { throw LineageError("\(docID): no such document in \(path)") }
        var out = "document \(docID)\n"
        for row in r.rows {
            func s(_ i: Int) -> String? { switch row[i] { case .text(let t): return t; case .integer(let n): return String(n); case .real(let d): return String(d); default: return nil } }
            out += "\nrun \(s(0) ?? "") — pipeline \(s(1) ?? ""), spec sha256 \(String((s(2) ?? "").prefix(12)))…, started \(s(3) ?? "")\n"
            // A WARC or WET record's line is its byte offset (of its gzip member in a per-record .warc.gz).
            let input = s(5) ?? ""
            let isWARC = input.contains(".warc") || input.contains(".wet")
            out += isWARC ? "  read from   \(input) at byte \(s(6) ?? "") (source \(s(4) ?? ""))\n"
                          : "  read from   \(input):\(s(6) ?? "") (source \(s(4) ?? ""))\n"
            switch s(7) {
            case "kept":
                out += "  kept        shard \(s(12) ?? "?") (\(s(13) ?? "")), position \(s(14) ?? "?")\n"
                let copies = (s(0)).flatMap { run in try? db.query("SELECT count(*), max(epoch) FROM document_tokens WHERE run_id = ? AND source = ? AND doc_id = ?",
                                                                  [.text(run), .text(s(4) ?? ""), .text(docID)]) }?.rows.first
                let hasTokenShards = (s(0)).flatMap { run in try? db.query("SELECT count(*) FROM token_shards WHERE run_id = ?", [.text(run)]) }?.rows.first?.first?.integer ?? 0
                if hasTokenShards > 0, let n = copies?[0].integer, n == 0 {
                    let share = (try? db.query("SELECT target, achieved FROM mixture_rows WHERE run_id = ? AND source = ? AND bucket IS NULL", [.text(s(0) ?? ""), .text(s(4) ?? "")]))?.rows.first
                    out += "  tokens      none: the mixture left it out of the token shards (source \(s(4) ?? "") down-sampled"
                    if let share, let t = share[0].real, let a = share[1].real { out += String(format: " to its target %.1f%%, got %.1f%%", t * 100, a * 100) }
                    out += "); it is in the text shards\n"
                } else if let n = copies?[0].integer, n > 1 {
                    out += "  repeated    \(n) copies in the token shards (epochs 0–\(copies?[1].integer ?? 0): the mixture up-sampled source \(s(4) ?? ""))\n"
                }
                if let run = s(0), let source = s(4),
                   let t = try? db.query("SELECT split, shard, sequence, token_offset, tokens FROM document_tokens WHERE run_id = ? AND source = ? AND doc_id = ? ORDER BY epoch",
                                         [.text(run), .text(source), .text(docID)]), let tr = t.rows.first {
                    let split = tr[0].text ?? "", shard = tr[1].integer ?? 0
                    let files = (try? db.query("SELECT format, path FROM token_shards WHERE run_id = ? AND split = ? AND shard = ? ORDER BY format",
                                               [.text(run), .text(split), .integer(shard)]))?.rows.map { "\($0[1].text ?? "")" } ?? []
                    out += "  tokens      \(tr[4].integer ?? 0) tokens, \(split) shard \(shard) (\(files.joined(separator: ", "))): "
                    out += "document \(tr[2].integer ?? 0) of the shard, llm.c token offset \(tr[3].integer ?? 0)\n"
                }
            case "dropped":
                out += "  dropped     by step \(s(8) ?? "?"), reason \(s(9) ?? "?")\n"
            default:
                out += "  bad line    \(s(9) ?? "?")"
                if let run = s(0), let line = s(6), let input = s(5) {
                    let m = try db.query("SELECT message FROM errors WHERE run_id = ? AND input = ? AND line = ?", [.text(run), .text(input), .text(line)])
                    if let msg = m.rows.first?.first?.text { out += ": \(msg)" }
                }
                out += "\n"
            }
            if let a = s(10), a != "{}" { out += "  annotations \(a)\n" }
            if let twin = s(11), let run = s(0) {
                out += "  duplicate of \(twin)"
                // The twin in the same run, else (an incremental pipeline's earlier version) where it was kept.
                let t = try db.query("""
                    SELECT input, line, status, shard, position, run_id FROM documents WHERE doc_id = ?
                    ORDER BY run_id = ? DESC, status = 'kept' DESC, rowid DESC LIMIT 1
                    """, [.text(twin), .text(run)])
                if let tr = t.rows.first {
                    out += " (\(tr[0].text ?? ""):\(tr[1].integer.map(String.init) ?? "?"), \(tr[2].text ?? "")"
                    if tr[5].text != run { out += " in run \(tr[5].text ?? "")" }
                    if let sh = tr[3].integer { out += " in shard \(sh) at position \(tr[4].integer.map(String.init) ?? "?")" }
                    out += ")"
                }
                out += "\n"
            }
        }
        return out
    }

    /// The runs recorded in a lineage file, newest first.
    public static func runs(_ path: String) throws -> QueryResult {
        try query(path, """
            SELECT run_id, pipeline, status, trigger, scheduled_for, version, started_at, finished_at,
                   CAST(round((julianday(coalesce(finished_at, started_at)) - julianday(started_at)) * 86400) AS INTEGER) AS seconds,
                   docs_in, docs_kept, docs_dropped, docs_error, shards, substr(spec_sha256, 1, 12) AS spec, cluster_jobs, error
            FROM runs ORDER BY started_at DESC, rowid DESC
            """)
    }
}

/// A lineage problem a user can act on.
public struct LineageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Rows from a lineage query, printable as a table, CSV or JSON.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[SQLValue]]

    static func cell(_ v: SQLValue) -> String {
        switch v {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return d.rounded() == d && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
        case .text(let t): return t
        case .blob(let b): return "x'" + b.hexString + "'"
        }
    }

    public func table() -> String {
        TextTable.render(header: columns, rows: rows.map { $0.map(Self.cell) }) + "(\(rows.count) row\(rows.count == 1 ? "" : "s"))\n"
    }

    public func csv() -> String {
        func q(_ s: String) -> String { s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var out = columns.map(q).joined(separator: ",") + "\n"
        for r in rows { out += r.map { q(Self.cell($0)) }.joined(separator: ",") + "\n" }
        return out
    }

    /// One JSON array of objects, keyed by column name.
    public func json() -> String {
        let arr: [JSONValue] = rows.map { r in
            .object(JSONObject(zip(columns, r).map { c, v in
                switch v {
                case .null: return (c, .null)
                case .integer(let i): return (c, .number(Double(i)))
                case .real(let d): return (c, .number(d))
                case .text(let t): return (c, .string(t))
                case .blob(let b): return (c, .string(b.hexString))
                }
            }))
        }
        return JSONWriter.compact(.array(arr)) + "\n"
    }
}
