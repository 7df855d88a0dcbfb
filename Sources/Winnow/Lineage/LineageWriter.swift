import Foundation

/// One `documents` row.
struct DocumentRow {
    enum Status: String { case kept, dropped, error }
    var source: String
    var docID: String?
    var input: String
    var line: Int
    var status: Status
    var step: String?
    var reason: String?
    var annotations: [UInt8]?   // JSON object bytes
    var shard: Int?
    var position: Int?
    var dupOf: String?
    var stage: Int
    var partition: Int
}

/// One `errors` row.
struct ErrorRow {
    var source: String
    var input: String
    var line: Int
    var reason: String
    var message: String
    var stage: Int
    var partition: Int
}

/// Per-step counters a worker accumulates for one task.
struct StepStat {
    var index: Int
    var name: String
    var kind: StepKind
    var docsIn = 0
    var docsOut = 0
    var dropped = 0
    var seconds = 0.0
    /// UTF-8 bytes of the documents' text going in and coming out (a rewriting step changes them).
    var bytesIn = 0
    var bytesOut = 0
}

/// The kept documents of one partition, numbered once every earlier partition's shards are known.
struct KeptRowsJob {
    let task: String
    let metaPath: String
    let firstShard: Int
    let source: String
    let input: String
    let stage: Int
    let partition: Int
}

/// Per-source counters a worker accumulates for one task.
struct SourceStat {
    var docsIn = 0
    var errors = 0
    var docsOut = 0
    /// Parts of inputs that could not be read (a truncated compressed file, a file gone or unreadable mid-run).
    var unreadable = 0
    /// UTF-8 bytes of the text of the documents read and of those written to shards.
    var bytesIn = 0
    var bytesOut = 0
}

/// The only writer of a lineage file. Workers hand it batches of rows; it inserts them with prepared
/// statements in large transactions on its own thread (WAL). A finished task's mark, its step counts
/// and its last rows commit in one transaction, so a killed run never records a task as done without
/// its rows.
final class LineageWriter: @unchecked Sendable {
    enum Event {
        case rows([DocumentRow], [ErrorRow])
        case taskDone(task: String, stats: [StepStat], sources: [String: SourceStat])
        case statement(String, [SQLValue])
        /// Many rows through one prepared statement, inside the current transaction (committed with the next
        /// task mark or every 200,000 rows).
        case batch(String, [[SQLValue]])
        /// Insert the kept-document rows of one partition from its meta file, then mark `task` done.
        case keptRows(KeptRowsJob)
        case sync(DispatchSemaphore)
    }

    let db: SQLiteDatabase
    let runID: String
    private let lock = NSCondition()
    private var queue: [Event] = []
    /// Rows (and other events) waiting: workers block above this. Counted in rows, not events: 256 events of 4,096
    /// rows each let a million rows wait in memory, over 1 GB when the writer fell behind (the load run's peak).
    private var queuedWeight = 0
    private let maxQueuedWeight = 32_768
    private var closed = false
    private var thread: Thread?
    private(set) var failure: Error?
    private let finished = DispatchSemaphore(value: 0)

    private var insertDoc: SQLiteStatement!
    private var insertError: SQLiteStatement!
    private var insertTask: SQLiteStatement!
    private var upsertStat: SQLiteStatement!
    private var upsertSource: SQLiteStatement!
    private var inTransaction = false
    private var rowsInTransaction = 0

    init(db: SQLiteDatabase, runID: String) throws {
        self.db = db
        self.runID = runID
        insertDoc = try db.prepare("""
            INSERT INTO documents (run_id, source, doc_id, input, line, status, step, reason, annotations, shard, position, dup_of, stage, part)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        insertError = try db.prepare("INSERT INTO errors (run_id, source, input, line, reason, message, stage, part) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        insertTask = try db.prepare("INSERT OR REPLACE INTO run_tasks (run_id, task, finished_at) VALUES (?1, ?2, ?3)")
        upsertStat = try db.prepare("""
            INSERT INTO step_stats (run_id, step_index, step, kind, docs_in, docs_out, dropped, seconds, bytes_in, bytes_out)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            ON CONFLICT (run_id, step_index) DO UPDATE SET docs_in = docs_in + excluded.docs_in, docs_out = docs_out + excluded.docs_out,
              dropped = dropped + excluded.dropped, seconds = seconds + excluded.seconds,
              bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out
            """)
        upsertSource = try db.prepare("""
            INSERT INTO source_stats (run_id, source, docs_in, errors, docs_out, unreadable, bytes_in, bytes_out) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            ON CONFLICT (run_id, source) DO UPDATE SET docs_in = docs_in + excluded.docs_in, errors = errors + excluded.errors,
              docs_out = docs_out + excluded.docs_out, unreadable = unreadable + excluded.unreadable,
              bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out
            """)
        let t = Thread { [unowned self] in self.loop() }
        t.name = "winnow-lineage"
        thread = t
        t.start()
    }

    /// Queues an event; blocks while the queue is full (back-pressure on workers).
    func send(_ e: Event) {
        let w = Self.weight(e)
        lock.lock()
        while queuedWeight > 0 && queuedWeight + w > maxQueuedWeight && !closed { lock.wait() }
        queue.append(e)
        queuedWeight += w
        lock.signal()
        lock.unlock()
    }

    private static func weight(_ e: Event) -> Int {
        switch e {
        case .rows(let docs, let errors): return max(1, docs.count + errors.count)
        case .batch(_, let rows): return max(1, rows.count)
        default: return 1
        }
    }

    /// Waits until everything queued so far is committed.
    func sync() throws {
        let s = DispatchSemaphore(value: 0)
        send(.sync(s))
        s.wait()
        if let failure { throw failure }
    }

    /// Commits what is queued and stops the thread.
    func close() throws {
        lock.lock(); closed = true; lock.broadcast(); lock.unlock()
        finished.wait()
        if let failure { throw failure }
    }

    private func loop() {
        while true {
            lock.lock()
            while queue.isEmpty && !closed { lock.wait() }
            if queue.isEmpty && closed { lock.unlock(); break }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            lock.unlock()
            for e in batch {
                handle(e)
                lock.lock(); queuedWeight -= Self.weight(e); lock.broadcast(); lock.unlock()
            }
        }
        if failure == nil { do { try commit() } catch { failure = error } }
        finished.signal()
    }

    private func begin() throws {
        if !inTransaction { try db.exec("BEGIN IMMEDIATE"); inTransaction = true; rowsInTransaction = 0 }
    }

    private func commit() throws {
        if inTransaction { try db.exec("COMMIT"); inTransaction = false }
    }

    private func handle(_ e: Event) {
        if failure != nil {
            if case .sync(let s) = e { s.signal() }
            return
        }
        do {
            switch e {
            case .rows(let docs, let errors):
                try begin()
                for r in docs { try insert(r) }
                for r in errors { try insert(r) }
                rowsInTransaction += docs.count + errors.count
                if rowsInTransaction >= 200_000 { try commit() }
            case .taskDone(let task, let stats, let sources):
                try begin()
                for (name, s) in sources.sorted(by: { $0.key < $1.key }) {
                    upsertSource.bind(1, runID); upsertSource.bind(2, name); upsertSource.bind(3, s.docsIn)
                    upsertSource.bind(4, s.errors); upsertSource.bind(5, s.docsOut); upsertSource.bind(6, s.unreadable)
                    upsertSource.bind(7, s.bytesIn); upsertSource.bind(8, s.bytesOut)
                    try upsertSource.runAndReset()
                }
                for s in stats {
                    upsertStat.bind(1, runID); upsertStat.bind(2, s.index); upsertStat.bind(3, s.name); upsertStat.bind(4, s.kind.rawValue)
                    upsertStat.bind(5, s.docsIn); upsertStat.bind(6, s.docsOut); upsertStat.bind(7, s.dropped); upsertStat.bind(8, .real(s.seconds))
                    upsertStat.bind(9, s.bytesIn); upsertStat.bind(10, s.bytesOut)
                    try upsertStat.runAndReset()
                }
                insertTask.bind(1, runID); insertTask.bind(2, task); insertTask.bind(3, isoNow())
                try insertTask.runAndReset()
                try commit()
            case .batch(let sql, let rows):
                try begin()
                let st = try db.prepare(sql)
                for r in rows {
                    for (k, v) in r.enumerated() { st.bind(k + 1, v) }
                    try st.runAndReset()
                }
                rowsInTransaction += rows.count
                if rowsInTransaction >= 200_000 { try commit() }
            case .statement(let sql, let params):
                try begin()
                try db.run(sql, params)
                try commit()
            case .keptRows(let job):
                try begin()
                var n = 0
                try WorkFile.KeptMeta.forEach(job.metaPath) { m in
                    try insert(DocumentRow(source: job.source, docID: m.id, input: job.input, line: m.line, status: .kept, step: nil, reason: nil,
                                           annotations: m.annotations, shard: job.firstShard + m.localShard, position: m.position, dupOf: nil,
                                           stage: job.stage, partition: job.partition))
                    n += 1
                }
                insertTask.bind(1, runID); insertTask.bind(2, job.task); insertTask.bind(3, isoNow())
                try insertTask.runAndReset()
                rowsInTransaction += n
                if rowsInTransaction >= 200_000 { try commit() }
            case .sync(let s):
                try commit()
                s.signal()
            }
        } catch {
            failure = error
            if inTransaction { try? db.exec("ROLLBACK"); inTransaction = false }
            if case .sync(let s) = e { s.signal() }
        }
    }

    private func insert(_ r: DocumentRow) throws {
        let st = insertDoc!
        st.bind(1, runID); st.bind(2, r.source); st.bind(3, r.docID); st.bind(4, r.input); st.bind(5, r.line)
        st.bind(6, r.status.rawValue); st.bind(7, r.step); st.bind(8, r.reason)
        if let a = r.annotations { st.bindText(9, bytes: a) }
        st.bind(10, r.shard); st.bind(11, r.position); st.bind(12, r.dupOf); st.bind(13, r.stage); st.bind(14, r.partition)
        try st.runAndReset()
    }

    private func insert(_ r: ErrorRow) throws {
        let st = insertError!
        st.bind(1, runID); st.bind(2, r.source); st.bind(3, r.input); st.bind(4, r.line); st.bind(5, r.reason)
        st.bind(6, r.message); st.bind(7, r.stage); st.bind(8, r.partition)
        try st.runAndReset()
    }
}

/// The current time in ISO 8601 UTC with seconds.
func isoNow() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
}
