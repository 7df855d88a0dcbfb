import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on an output folder, so two runs never write the same shards at once (`flock`: the kernel
/// drops it when the process dies, so a crash never leaves a lock nobody can take). The holder writes who it is
/// into the file and clears it on release; finding someone else's line on taking the lock means that process died
/// holding it — `takenOver` says who, so the caller can log the takeover.
public final class OutputLock {
    private var fd: Int32
    public let path: String
    /// "pid N on HOST since TIME" of a holder that died without releasing, when this lock took over from it.
    public private(set) var takenOver: String?

    /// Who holds a lock file now (its line), for messages.
    public static func holder(of dir: String) -> String? {
        // Winnow's own reader, not Foundation's: Foundation leaks its buffer on an empty file (a released lock is one).
        let bytes = (try? readFileBytes((dir as NSString).appendingPathComponent(".winnow.lock"))) ?? []
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : line
    }

    /// Whether a live process holds `dir`'s lock (looks without taking it or touching the holder line).
    public static func isHeld(_ dir: String) -> Bool {
        let fd = open((dir as NSString).appendingPathComponent(".winnow.lock"), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 { return true }
        flock(fd, LOCK_UN)
        return false
    }

    public init(dir: String) throws {
        path = (dir as NSString).appendingPathComponent(".winnow.lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path, "cannot create the lock file that keeps two runs out of this output folder (\(String(cString: strerror(errno))))") }
        // `isHeld` looks by taking a shared lock for a moment; a few short retries keep such a look (another
        // process's scheduler, `winnow status`) from refusing a run that would otherwise have started.
        var tries = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            tries += 1
            if errno == EWOULDBLOCK && tries < 20 { usleep(5_000); continue }
            close(fd)
            fd = -1
            throw OutputLocked(dir: dir, holder: Self.holder(of: dir))
        }
        if let previous = Self.holder(of: dir) { takenOver = previous }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let me = "pid \(getpid()) on \(String(cString: host)) since \(isoNow())\n"
        ftruncate(fd, 0)
        _ = me.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    public func release() { if fd >= 0 { ftruncate(fd, 0); flock(fd, LOCK_UN); close(fd); fd = -1 } }
    deinit { release() }
}

/// Another live process holds an output folder's lock.
public struct OutputLocked: Error, CustomStringConvertible {
    public let dir: String
    public let holder: String?
    public var description: String { "\(dir): another winnow run is using this output folder\(holder.map { " (\($0))" } ?? "")" }
}
