import Foundation

/// What the executor reports while it runs; the CLI decides how to show it.
public struct ProgressSnapshot: Sendable {
    public let phase: String
    public let tasksDone: Int
    public let tasksTotal: Int
    public let documents: Int
    public let bytes: Int64
    public let totalBytes: Int64
    public let elapsed: Double
}

/// Receives progress and log lines from a run (called from a background thread).
public protocol RunObserver: AnyObject, Sendable {
    func progress(_ snapshot: ProgressSnapshot)
    func log(_ message: String)
}

/// Thread-safe counters the workers bump and the progress thread reads.
final class ProgressCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var docs = 0
    private var bytes: Int64 = 0
    private var done = 0
    private var total = 0
    private var phase = "plan"
    private var totalBytes: Int64 = 0
    let started = Date()

    func addBytes(_ n: Int) { lock.lock(); bytes += Int64(n); lock.unlock() }
    func addDocs(_ n: Int) { lock.lock(); docs += n; lock.unlock() }
    func taskDone() { lock.lock(); done += 1; lock.unlock() }
    func startPhase(_ name: String, tasks: Int, totalBytes: Int64) {
        lock.lock(); phase = name; done = 0; total = tasks; bytes = 0; docs = 0; self.totalBytes = totalBytes; lock.unlock()
    }

    func snapshot() -> ProgressSnapshot {
        lock.lock(); defer { lock.unlock() }
        return ProgressSnapshot(phase: phase, tasksDone: done, tasksTotal: total, documents: docs, bytes: bytes,
                                totalBytes: totalBytes, elapsed: Date().timeIntervalSince(started))
    }
}

extension ProgressCounters {
    /// A thread that hands `observer` a snapshot every `interval` seconds until it is cancelled.
    func report(to observer: RunObserver?, every interval: Double) -> Thread {
        let t = Thread { [weak self, weak observer] in
            while !Thread.current.isCancelled {
                Thread.sleep(forTimeInterval: interval)
                guard let self, !Thread.current.isCancelled else { return }
                observer?.progress(self.snapshot())
            }
        }
        t.name = "winnow-progress"
        t.start()
        return t
    }
}
