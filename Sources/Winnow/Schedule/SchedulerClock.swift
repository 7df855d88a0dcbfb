import Foundation

/// The scheduler's view of time, injected so tests drive it without sleeping.
public protocol SchedulerClock: AnyObject, Sendable {
    func now() -> Date
    /// Blocks until `date`, or until `wake()` is called, whichever comes first.
    func sleep(until date: Date)
    /// Ends a `sleep` early (a stop request, a finished run).
    func wake()
}

/// The real clock: `Date()` and a condition variable to sleep on.
public final class SystemClock: SchedulerClock, @unchecked Sendable {
    private let condition = NSCondition()
    private var woken = false

    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until date: Date) {
        condition.lock(); defer { condition.unlock() }
        while !woken && Date() < date { _ = condition.wait(until: date) }
        woken = false
    }

    public func wake() {
        condition.lock(); woken = true; condition.broadcast(); condition.unlock()
    }
}

/// A clock that only moves when told to (`set`, `advance`): for tests, and for `winnow schedule --now`.
public final class ManualClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.lock(); defer { lock.unlock() }; return current }
    public func set(_ d: Date) { lock.lock(); current = d; lock.unlock() }
    public func advance(_ seconds: TimeInterval) { lock.lock(); current = current.addingTimeInterval(seconds); lock.unlock() }
    /// Time stands still: a sleep returns at once (the caller's loop then looks at the clock again).
    public func sleep(until date: Date) {}
    public func wake() {}
}
