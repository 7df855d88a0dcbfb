import CSQLite
import Foundation

/// A SQLite error with the database's message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public var description: String { message }
}

/// A value read from or bound to SQLite.
public enum SQLValue: Equatable, Sendable {
    case null, integer(Int64), real(Double), text(String), blob([UInt8])

    public var text: String? { if case .text(let s) = self { return s }; return nil }
    public var integer: Int64? { if case .integer(let i) = self { return i }; return nil }
    /// A REAL, or an INTEGER as a Double (SQLite stores whole reals as integers in some paths).
    public var real: Double? {
        switch self { case .real(let d): return d; case .integer(let i): return Double(i); default: return nil }
    }
}

private let SQLITE_TRANSIENT_PTR = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A thin SQLite connection: exec, prepared statements, and whole-result queries.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String
    /// How long a statement waits for another connection's write lock before failing with SQLITE_BUSY
    /// (`winnow run --lineage-wait`); set once at start, before any database is opened.
    nonisolated(unsafe) public static var busyTimeoutSeconds: Double = 30

    /// Opens `path`; `readOnly` opens it so that no statement can change the file; `immutable` (read-only only)
    /// reads a file on read-only media, where SQLite cannot create the `-shm` file a WAL-mode file needs.
    public init(path: String, readOnly: Bool = false, immutable: Bool = false) throws {
        self.path = path
        var h: OpaquePointer?
        var flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var name = path
        if readOnly && immutable {
            flags |= SQLITE_OPEN_URI
            let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            let escaped = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))) ?? absolute
            name = "file://\(escaped)?immutable=1"
        }
        let rc = sqlite3_open_v2(name, &h, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let h else {
            let msg = h.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let h { sqlite3_close(h) }
            throw SQLiteError(code: rc, message: "\(path): \(msg)")
        }
        handle = h
        sqlite3_busy_timeout(h, Int32(min(max(0, Self.busyTimeoutSeconds * 1000), Double(Int32.max))))
        if readOnly { try exec("PRAGMA query_only = 1") }
    }

    deinit { sqlite3_close_v2(handle) }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// The connection's last error; one that is about the file rather than a statement names the file, and an I/O
    /// error the operating system's reason too (`disk I/O error (File too large)`, `… (No space left on device)`).
    func lastError(_ rc: Int32, message: String? = nil) -> SQLiteError {
        let errorMessage = message ?? errorMessage
        let primary = rc & 0xFF
        if primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT || primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL {
            return SQLiteError(code: rc, message: "\(path): \(errorMessage)\(osReason(primary))")
        }
        if primary == SQLITE_BUSY {
            let waited = Self.busyTimeoutSeconds.formatted(.number.precision(.fractionLength(0...1)))
            return SQLiteError(code: rc, message: "\(path): \(errorMessage): another process held its write lock for over \(waited) s "
                + "(a program with a transaction open on it, e.g. a sqlite3 shell); close it, or wait longer with --lineage-wait")
        }
        return SQLiteError(code: rc, message: errorMessage)
    }

    /// ` (strerror)` of the system call behind the last I/O error, when SQLite kept one.
    private func osReason(_ primary: Int32) -> String {
        guard primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN else { return "" }
        let e = sqlite3_system_errno(handle)
        if e > 0 { return " (\(String(cString: strerror(e))))" }
        // A write cut short leaves no errno; the usual cause is a file-size limit (`ulimit -f`).
        var limit = rlimit()
        if primary == SQLITE_IOERR, getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            return " (a write was cut short; the file-size limit, ulimit -f, is \(limit.rlim_cur) bytes)"
        }
        return ""
    }

    /// Runs one or more statements that return no rows.
    public func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) }
            sqlite3_free(err)
            throw lastError(rc, message: msg)
        }
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement { try SQLiteStatement(db: self, sql: sql) }

    /// Runs `body` in a write transaction taken at once (`BEGIN IMMEDIATE`): it waits for other writers through the
    /// busy timeout instead of failing with "database is locked" when a read would have to become a write while
    /// another process commits (rollback-journal mode detects that as a deadlock and gives up at once).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try exec("COMMIT")
            return result
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    /// Runs a query and returns its column names and all rows.
    public func query(_ sql: String, _ params: [SQLValue] = []) throws -> (columns: [String], rows: [[SQLValue]]) {
        let st = try prepare(sql)
        for (i, p) in params.enumerated() { st.bind(i + 1, p) }
        var rows: [[SQLValue]] = []
        let n = st.columnCount
        let cols = (0..<n).map { st.columnName($0) }
        while try st.step() { rows.append((0..<n).map { st.column($0) }) }
        return (cols, rows)
    }

    /// Runs a statement with parameters (no result rows expected).
    public func run(_ sql: String, _ params: [SQLValue] = []) throws {
        let st = try prepare(sql)
        for (i, p) in params.enumerated() { st.bind(i + 1, p) }
        while try st.step() {}
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement, reset and rebound for each row of a batch.
public final class SQLiteStatement {
    private let stmt: OpaquePointer
    private let db: SQLiteDatabase

    init(db: SQLiteDatabase, sql: String) throws {
        self.db = db
        var s: OpaquePointer?
        let rc = sqlite3_prepare_v2(db.handle, sql, -1, &s, nil)
        guard rc == SQLITE_OK, let s else { throw db.lastError(rc) }
        stmt = s
    }

    deinit { sqlite3_finalize(stmt) }

    var columnCount: Int { Int(sqlite3_column_count(stmt)) }
    func columnName(_ i: Int) -> String { String(cString: sqlite3_column_name(stmt, Int32(i))) }

    public func bind(_ i: Int, _ v: SQLValue) {
        let idx = Int32(i)
        switch v {
        case .null: sqlite3_bind_null(stmt, idx)
        case .integer(let x): sqlite3_bind_int64(stmt, idx, x)
        case .real(let x): sqlite3_bind_double(stmt, idx, x)
        case .text(let s): sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT_PTR)
        case .blob(let b): b.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32(b.count), SQLITE_TRANSIENT_PTR) }
        }
    }

    public func bind(_ i: Int, _ s: String?) {
        if let s { sqlite3_bind_text(stmt, Int32(i), s, -1, SQLITE_TRANSIENT_PTR) } else { sqlite3_bind_null(stmt, Int32(i)) }
    }

    public func bind(_ i: Int, _ x: Int?) {
        if let x { sqlite3_bind_int64(stmt, Int32(i), Int64(x)) } else { sqlite3_bind_null(stmt, Int32(i)) }
    }

    /// Binds UTF-8 bytes as text without building a String.
    public func bindText(_ i: Int, bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            _ = sqlite3_bind_text(stmt, Int32(i), p.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(p.count), SQLITE_TRANSIENT_PTR)
        }
    }

    /// Steps once; true while there is a row.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.lastError(rc)
    }

    /// Steps to completion, then resets and clears bindings for the next row.
    public func runAndReset() throws {
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        while try step() {}
    }

    public func reset() { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }

    public func column(_ i: Int) -> SQLValue {
        let idx = Int32(i)
        switch sqlite3_column_type(stmt, idx) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, idx))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, idx))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(stmt, idx)))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, idx))
            guard n > 0, let p = sqlite3_column_blob(stmt, idx) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }
}
