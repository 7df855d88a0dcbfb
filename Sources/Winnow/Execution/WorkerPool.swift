import Foundation

/// Runs tasks on a fixed number of threads; the first error stops the others from taking new tasks.
enum WorkerPool {
    static func run<T>(_ tasks: [T], workers: Int, _ body: @escaping (T) throws -> Void) throws {
        guard !tasks.isEmpty else { return }
        let state = PoolState()
        let lock = state.lock
        let group = DispatchGroup()
        for w in 0..<max(1, min(workers, tasks.count)) {
            group.enter()
            let t = Thread {
                defer { group.leave() }
                while true {
                    lock.lock()
                    if state.firstError != nil || state.next >= tasks.count { lock.unlock(); return }
                    let task = tasks[state.next]
                    state.next += 1
                    lock.unlock()
                    do { try body(task) } catch {
                        lock.lock()
                        if state.firstError == nil { state.firstError = error }
                        lock.unlock()
                        return
                    }
                }
            }
            t.name = "winnow-worker-\(w)"
            t.stackSize = 8 << 20
            t.start()
        }
        group.wait()
        if let e = state.firstError { throw e }
    }
}

private final class PoolState: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var firstError: Error?
}
