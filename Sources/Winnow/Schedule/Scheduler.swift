import Foundation

/// How `winnow schedule` runs.
public struct SchedulerOptions: Sendable {
    /// Worker threads of each run.
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// A fire time checked within this many seconds is on time; older ones were missed (`catch_up` decides).
    public var grace: TimeInterval = 600
    /// Seconds between looks at the spec files (a changed file is read again).
    public var poll: TimeInterval = 5
    /// Runs at once (of different pipelines; one pipeline never runs twice at once).
    public var jobs = 1
    /// Passed to incremental runs: a changed spec continues the current series.
    public var continueSeries = false
    public var recordDocuments = true
    public init() {}
}

/// Runs the pipelines of spec files (or folders of them) that have a `schedule`, at their fire times.
///
/// State lives in each pipeline's lineage file: `schedule_state.last_checked` (when a scheduler last looked) and
/// `schedule_events` (what it did). At each look, the fire times since `last_checked` are due if the latest is
/// at most `grace` old, else missed — after downtime `catch_up: once` runs once, `none` waits for the next. A
/// pipeline never runs twice at once: within a scheduler it is queued once, across processes the output folder's
/// lock (`OutputLock`) decides, and a lock left by a dead process is taken over (logged). A scheduled run that
/// was stopped (SIGTERM) or killed is resumed when a scheduler starts again.
public final class Scheduler: @unchecked Sendable {
    /// A spec being watched.
    public struct Watched: Sendable {
        public let specPath: String
        public let name: String
        public let cron: CronSchedule
        public let catchUp: ScheduleSpec.CatchUp
        public let lineagePath: String
        public let outputDir: String
        let mtime: Date
    }

    struct Job { let watched: Watched; let scheduledFor: String }

    public let paths: [String]
    public let options: SchedulerOptions
    let clock: SchedulerClock
    let log: @Sendable (String) -> Void
    private let cond = NSCondition()
    private var watched: [String: Watched] = [:]
    private var reported: [String: Date] = [:]
    /// Spec files that cannot be read as specs (unreadable, invalid JSON, failing validation): file → error.
    private var invalid: [String: String] = [:]
    /// (file, mtime) whose `spec_invalid` event is already recorded.
    private var invalidRecorded: [String: Date] = [:]
    private var queue: [Job] = []
    private var busy: Set<String> = []
    private var running: [String: Executor] = [:]
    private var threads = 0
    /// Log each spec when it is first watched (the long-running scheduler, `--dry-run`).
    private var announce = true
    /// `--dry-run`: look, write nothing (no `spec_invalid` events).
    public var readOnly = false
    /// Per pipeline: when this scheduler last looked, and last wrote `last_checked`.
    private var memory: [String: (looked: Date, wrote: Date)] = [:]
    private var stopping = false
    /// Runs that failed (for `--once`'s exit status).
    public var failures: Int { cond.lock(); defer { cond.unlock() }; return failureCount }
    /// Spec files under the watched paths that cannot be read as specs, with their errors, sorted by file.
    public var invalidSpecs: [(file: String, error: String)] {
        cond.lock(); defer { cond.unlock() }
        return invalid.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
    private var failureCount = 0

    public init(paths: [String], options: SchedulerOptions = SchedulerOptions(), clock: SchedulerClock = SystemClock(),
                log: @escaping @Sendable (String) -> Void) {
        self.paths = paths; self.options = options; self.clock = clock; self.log = log
    }

    /// The specs with a schedule, by name.
    public var pipelines: [Watched] { cond.lock(); defer { cond.unlock() }; return watched.values.sorted { $0.name < $1.name } }

    private func stamp() -> String { CronSchedule.iso(clock.now(), in: TimeZone(identifier: "UTC")!) }

    // MARK: - Specs

    /// The spec files under `paths` (a folder contributes its `*.json`, not recursively).
    func specFiles() -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
                out += names.map { (p as NSString).appendingPathComponent($0) }
            } else { out.append(p) }
        }
        return out.map { PipelineLoader.absolutePath($0) }
    }

    /// Reads the spec files again where they changed; logs what is watched, reloaded, dropped or invalid.
    public func reload() {
        var next: [String: Watched] = [:]
        var names: [String: String] = [:]
        let old = { cond.lock(); defer { cond.unlock() }; return watched }()
        let previousInvalid = { cond.lock(); defer { cond.unlock() }; return invalid }()
        for f in specFiles() {
            let mtime = ((try? FileManager.default.attributesOfItem(atPath: f))?[.modificationDate] as? Date) ?? .distantPast
            if let w = old[f], w.mtime == mtime { next[f] = w; names[w.name] = f; continue }
            if reported[f] == mtime { continue }
            if let error = previousInvalid[f], invalidMTime[f] == mtime {
                specInvalid(f, error, mtime: mtime, was: nil, json: nil)      // unchanged and still broken: said at every look
                continue
            }
            let json: JSONValue
            do {
                json = try JSONParser.parse(try readFileBytes(f))
            } catch let e as JSONParser.SyntaxError {
                specInvalid(f, "\(f):\(e.line):\(e.column): invalid JSON: \(e.message)", mtime: mtime, was: old[f], json: nil)
                continue
            } catch {
                specInvalid(f, "\(f): cannot read the spec (\(describe(error)))", mtime: mtime, was: old[f], json: nil)
                continue
            }
            guard json["schedule"] != nil else {
                if old[f] != nil { log("\(stamp()) \(old[f]!.name): \(relativePath(f, from: FileManager.default.currentDirectoryPath)) has no schedule any more; not watched") }
                continue
            }
            do {
                let p = try PipelineLoader.load(f, checkInputs: false)
                let cron = try p.spec.schedule!.cronSchedule()
                if let other = names[p.spec.name] {
                    log("\(stamp()) \(f): pipeline name \"\(p.spec.name)\" is already scheduled by \(other); not watched")
                    reported[f] = mtime
                    continue
                }
                let w = Watched(specPath: f, name: p.spec.name, cron: cron, catchUp: p.spec.schedule!.catchUp, lineagePath: p.lineagePath,
                                outputDir: p.outputDir, mtime: mtime)
                next[f] = w
                names[w.name] = f
                let when = cron.next(after: clock.now()).map { cron.localISO($0) } ?? "never"
                if announce || old[f] != nil {
                    log("\(stamp()) \(w.name): \(old[f] == nil ? "watching" : "reloaded") \(f) — cron \"\(cron.expression)\" in \(cron.timeZone.identifier), catch_up \(w.catchUp.rawValue); next \(when)")
                }
            } catch {
                specInvalid(f, "\(error)", mtime: mtime, was: old[f], json: json)
            }
        }
        for (f, w) in old where next[f] == nil && FileManager.default.fileExists(atPath: f) == false {
            log("\(stamp()) \(w.name): \(f) is gone; not watched")
        }
        cond.lock(); watched = next; invalid = invalidNow; cond.unlock()
        invalidNow = [:]
    }

    /// Files found invalid during the current `reload` (file → error), and the mtime each was read at.
    private var invalidNow: [String: String] = [:]
    private var invalidMTime: [String: Date] = [:]

    /// A spec file that cannot be read as a spec: logged at every look (an alarm when it was scheduled until now), and
    /// recorded once per version of the file as a `spec_invalid` event in the lineage file it names (or named).
    private func specInvalid(_ f: String, _ error: String, mtime: Date, was: Watched?, json: JSONValue?) {
        invalidNow[f] = error
        invalidMTime[f] = mtime
        if let was {
            log("\(stamp()) ALARM \(was.name): its spec no longer loads, so its schedule is suspended until the file is fixed: \(error)")
        } else {
            log("\(stamp()) \(error) — not scheduled until it is fixed")
        }
        guard invalidRecorded[f] != mtime else { return }
        invalidRecorded[f] = mtime
        // Where to record it: the lineage file it was scheduled with, else the one the spec names (as far as it reads).
        var target = was.map { (name: $0.name, lineagePath: $0.lineagePath) }
        if target == nil, let json, let name = json["name"]?.stringValue, let dir = json["output"]?["dir"]?.stringValue {
            let base = (f as NSString).deletingLastPathComponent
            let out = PipelineLoader.resolve(dir, base)
            target = (name, json["lineage"]?.stringValue.map { PipelineLoader.resolve($0, base) }
                                ?? (out as NSString).appendingPathComponent(PipelineSpec.Defaults.lineageFile))
        }
        guard let target, !readOnly else { return }
        // Once per version of the file, across scheduler processes too: not again when the last event says the same.
        _ = withDB(name: target.name, lineagePath: target.lineagePath) { db in
            let last = try ScheduleRecords.lastInvalidSpecDetail(db, pipeline: target.name)
            if last != error { try ScheduleRecords.insertEvent(db, pipeline: target.name, at: stamp(), "spec_invalid", detail: error) }
        }
    }

    // MARK: - State in the lineage file

    private func withDB<T>(_ w: Watched, _ body: (SQLiteDatabase) throws -> T) -> T? {
        withDB(name: w.name, lineagePath: w.lineagePath, body)
    }

    /// Runs `body` in one transaction on pipeline `name`'s lineage file; a failure is logged and gives nil.
    private func withDB<T>(name: String, lineagePath: String, _ body: (SQLiteDatabase) throws -> T) -> T? {
        do {
            try FileManager.default.createDirectory(atPath: (lineagePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let db = try LineageStore.openForSmallWrites(lineagePath)
            return try db.transaction { try body(db) }
        } catch {
            log("\(stamp()) \(name): lineage file \(lineagePath): \(error)")
            return nil
        }
    }

    func record(_ w: Watched, _ event: String, scheduledFor: String? = nil, runID: String? = nil, detail: String? = nil) {
        _ = withDB(w) { db in try ScheduleRecords.insertEvent(db, pipeline: w.name, at: stamp(), event, scheduledFor: scheduledFor, runID: runID, detail: detail) }
    }

    // MARK: - Deciding

    /// At start-up: reads the specs, and queues the scheduled runs that were stopped or killed, so they resume.
    public func start() {
        reload()
        if pipelines.isEmpty && announce { log("\(stamp()) no spec with a schedule under \(paths.joined(separator: ", ")) (yet): looking again every \(Int(options.poll)) s") }
        for w in pipelines {
            let last = withDB(w) { db in try ScheduleRecords.lastScheduledRun(db, pipeline: w.name) } ?? nil
            guard let last, last.status == "interrupted" || last.status == "running" else { continue }
            let status = last.status
            let when = last.scheduledFor ?? w.cron.localISO(clock.now())
            if OutputLock.isHeld(w.outputDir) {
                log("\(stamp()) \(w.name): the scheduled run \(last.runID) (for \(when)) is running elsewhere (\(OutputLock.holder(of: w.outputDir) ?? "lock held"))")
                continue
            }
            log("\(stamp()) \(w.name): the scheduled run \(last.runID) (for \(when)) is \(status); resuming it")
            enqueue(w, scheduledFor: when, event: "resumed", detail: "run \(last.runID) was \(status)")
        }
    }

    /// One look at the clock: fire times since each pipeline's last check are run (due or, after downtime, per
    /// `catch_up`); the check time is recorded first, so a second scheduler looking at once sees nothing new.
    public func check() {
        let now = clock.now()
        for w in pipelines {
            // Between fire times the lineage file is touched about once a minute (the last_checked heartbeat).
            if let (looked, wrote) = memory[w.name], now.timeIntervalSince(wrote) < 60, w.cron.next(after: looked).map({ $0 > now }) ?? true {
                memory[w.name] = (now, wrote)
                continue
            }
            memory[w.name] = (now, now)
            let last: Date?? = withDB(w) { db in
                let previous = try ScheduleRecords.checkIn(db, pipeline: w.name, specPath: w.specPath, cron: w.cron.expression,
                                                           timeZone: w.cron.timeZone.identifier, at: stamp())
                return previous.flatMap { ISO8601DateFormatter().date(from: $0) }
            }
            guard let seen = last else { continue }           // the lineage file could not be opened (logged)
            let nextFire = w.cron.next(after: now).map { w.cron.localISO($0) } ?? "never"
            // The first look at a pipeline runs a fire time that fell within the grace period before now (a spec
            // saved at 02:59 for 03:00, first looked at by the 03:01 --once, still runs); older ones are history.
            let since = seen ?? now.addingTimeInterval(-options.grace)
            if seen == nil { record(w, "watching", detail: "first look; a fire time within the last \(Int(options.grace)) s runs") }
            let fires = w.cron.missed(after: since, through: now)
            guard let latest = fires.latest else {
                if !announce {    // --once: one line per spec, also when there is nothing to do
                    log("\(stamp()) \(w.name): nothing due\(seen == nil ? " (first look: no fire time within the last \(Int(options.grace)) s)" : ""); next at \(nextFire)")
                }
                continue
            }
            let iso = w.cron.localISO(latest)
            let count = fires.more ? "more than \(fires.count)" : "\(fires.count)"
            if now.timeIntervalSince(latest) <= options.grace {
                enqueue(w, scheduledFor: iso, event: "fired", detail: fires.count > 1 ? "\(count) fire times since the last look; run once" : nil)
            } else if w.catchUp == .once {
                log("\(stamp()) \(w.name): \(count) fire time(s) passed while no scheduler was running (the latest \(iso)); catch_up once: running now")
                enqueue(w, scheduledFor: iso, event: "caught_up", detail: "\(count) missed, the latest \(iso)")
            } else {
                log("\(stamp()) \(w.name): \(count) fire time(s) passed while no scheduler was running (the latest \(iso)); catch_up none: next at \(nextFire)")
                record(w, "missed", scheduledFor: iso, detail: "\(count) missed; next at \(nextFire)")
            }
        }
    }

    /// The earliest next fire time of any watched pipeline.
    public func nextFire(after date: Date) -> Date? { pipelines.compactMap { $0.cron.next(after: date) }.min() }

    // MARK: - Running

    private func enqueue(_ w: Watched, scheduledFor: String, event: String, detail: String? = nil) {
        cond.lock()
        if busy.contains(w.name) || stopping {
            let why = stopping ? "the scheduler is stopping" : "its previous run has not finished"
            cond.unlock()
            log("\(stamp()) \(w.name): not starting the run for \(scheduledFor): \(why)")
            record(w, "skipped_running", scheduledFor: scheduledFor, detail: why)
            return
        }
        busy.insert(w.name)
        queue.append(Job(watched: w, scheduledFor: scheduledFor))
        let startThread = threads < max(1, options.jobs)
        if startThread { threads += 1 }
        cond.broadcast()
        cond.unlock()
        record(w, event, scheduledFor: scheduledFor, detail: detail)
        _ = withDB(w) { db in try ScheduleRecords.markFired(db, pipeline: w.name, scheduledFor: scheduledFor) }
        if event != "resumed" { log("\(stamp()) \(w.name): \(event == "caught_up" ? "catching up" : "due") — run for \(scheduledFor)") }
        if startThread {
            let t = Thread { [weak self] in self?.workerLoop() }
            t.name = "winnow-schedule-run"
            t.start()
        }
    }

    private func workerLoop() {
        while true {
            cond.lock()
            while queue.isEmpty && !stopping { cond.wait() }
            if queue.isEmpty { threads -= 1; cond.broadcast(); cond.unlock(); return }
            let job = queue.removeFirst()
            cond.unlock()
            runJob(job)
            cond.lock(); busy.remove(job.watched.name); cond.broadcast(); cond.unlock()
            clock.wake()
        }
    }

    private func runJob(_ job: Job) {
        let w = job.watched
        let pipeline: Pipeline
        do { pipeline = try PipelineLoader.load(w.specPath, checkInputs: false) } catch {
            countFailure()
            log("\(stamp()) \(w.name): \(error)")
            record(w, "failed", scheduledFor: job.scheduledFor, detail: "\(error)")
            return
        }
        // Who holds the output folder: a live process (skip), nobody, or a dead one (take over, say so).
        let lock: OutputLock
        do {
            try FileManager.default.createDirectory(atPath: pipeline.outputDir, withIntermediateDirectories: true)
            lock = try OutputLock(dir: pipeline.outputDir)
            if let dead = lock.takenOver {
                log("\(stamp()) \(w.name): stale lock of \(dead) (that process is gone): taking it over")
                record(w, "lock_taken_over", scheduledFor: job.scheduledFor, detail: dead)
            }
        } catch let e as OutputLocked {
            log("\(stamp()) \(w.name): not starting the run for \(job.scheduledFor): it is running elsewhere (\(e.holder ?? "lock held"))")
            record(w, "skipped_running", scheduledFor: job.scheduledFor, detail: e.holder ?? "lock held")
            return
        } catch {
            countFailure()
            record(w, "failed", scheduledFor: job.scheduledFor, detail: "\(error)")
            return
        }
        var o = RunOptions()
        o.trigger = "schedule"
        o.scheduledFor = job.scheduledFor
        o.workers = options.workers
        o.continueSeries = options.continueSeries
        o.recordDocuments = options.recordDocuments
        o.progressInterval = 3600
        let observer = PrefixedLog(prefix: w.name, log: log)   // the executor holds its observer weakly
        let executor = Executor(pipeline: pipeline, options: o, observer: observer)
        executor.heldLock = lock   // kept from the look to the run's end: nobody slips in between
        defer { withExtendedLifetime(observer) {}; lock.release() }
        cond.lock()
        running[w.name] = executor
        if stopping { executor.cancel() }
        cond.unlock()
        defer { cond.lock(); running[w.name] = nil; cond.unlock() }
        log("\(stamp()) \(w.name): run started (for \(job.scheduledFor))")
        do {
            let s = try executor.run()
            let what = s.versionLine ?? "\(s.documentsIn) documents in, \(s.documentsOut) out, \(s.shards.count) shards"
            log("\(stamp()) \(w.name): run \(s.runID) finished: \(what)")
            record(w, "finished", scheduledFor: job.scheduledFor, runID: s.runID, detail: what)
        } catch is RunCancelled {
            log("\(stamp()) \(w.name): run \(executor.runID) stopped at a document boundary; the next start resumes it")
            record(w, "interrupted", scheduledFor: job.scheduledFor, runID: executor.runID)
        } catch let e as OutputLocked {
            log("\(stamp()) \(w.name): not started: \(e)")
            record(w, "skipped_running", scheduledFor: job.scheduledFor, detail: e.holder ?? "lock held")
        } catch {
            countFailure()
            log("\(stamp()) \(w.name): run \(executor.runID) failed: \(error)")
            record(w, "failed", scheduledFor: job.scheduledFor, runID: executor.runID.isEmpty ? nil : executor.runID, detail: "\(error)")
        }
    }

    private func countFailure() { cond.lock(); failureCount += 1; cond.unlock() }

    /// Waits until nothing is queued or running.
    public func waitIdle() {
        cond.lock()
        while !queue.isEmpty || !busy.isEmpty { cond.wait() }
        cond.unlock()
    }

    /// `--once`: start-up (resuming stopped runs), one look, the runs it starts; then returns. Only what it does is
    /// logged (a crontab line every minute would otherwise log every watched spec every minute).
    public func runOnce() {
        announce = false
        start()
        check()
        waitIdle()
        shutdown()
    }

    /// The long-running scheduler: looks at the clock at every fire time and every `poll` seconds (re-reading
    /// changed specs), until `stop()`; then waits for the running pipelines to stop at a document boundary.
    public func runForever() {
        start()
        var lastReload = clock.now()
        while !isStopping {
            if clock.now().timeIntervalSince(lastReload) >= options.poll { reload(); lastReload = clock.now() }
            check()
            let now = clock.now()
            let wakeAt = min(nextFire(after: now) ?? now.addingTimeInterval(options.poll), now.addingTimeInterval(options.poll))
            clock.sleep(until: wakeAt)
        }
        waitIdle()
        shutdown()
    }

    private var isStopping: Bool { cond.lock(); defer { cond.unlock() }; return stopping }

    /// SIGTERM/SIGINT: no new runs; running ones stop at a document boundary (marked interrupted, resumed next start).
    public func stop() {
        cond.lock()
        stopping = true
        for job in queue { busy.remove(job.watched.name) }
        queue.removeAll()
        for (_, e) in running { e.cancel() }
        cond.broadcast()
        cond.unlock()
        clock.wake()
    }

    private func shutdown() {
        cond.lock(); stopping = true; cond.broadcast()
        while threads > 0 { cond.wait() }
        cond.unlock()
    }
}

/// Run messages as scheduler log lines, prefixed with the pipeline's name.
final class PrefixedLog: RunObserver, @unchecked Sendable {
    let prefix: String
    let log: @Sendable (String) -> Void
    init(prefix: String, log: @escaping @Sendable (String) -> Void) { self.prefix = prefix; self.log = log }
    func progress(_ snapshot: ProgressSnapshot) {}
    func log(_ message: String) { log("  \(prefix): \(message)") }
}
