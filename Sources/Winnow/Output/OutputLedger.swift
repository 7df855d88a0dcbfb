import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files Winnow wrote into an output folder, so that it deletes only those: `.winnow/written` holds one path
/// relative to the folder per line, appended *before* each file is created (a run killed mid-write leaves the
/// name behind, so its half-written `NAME.tmp-PID` is known to be Winnow's too).
///
/// While a run has its ledger `activate`d, every `AtomicCompressedWriter` under the folder (outside the
/// `.winnow/` work area) records its path through `noteWriting` — one choke point instead of one call per
/// writer. A folder holding this file (or, from a Winnow that kept no ledger, a `.winnow.lock`) is Winnow's; any other
/// non-empty folder is refused as `output.dir` unless `--force` is given.
final class OutputLedger: @unchecked Sendable {
    let root: String
    let path: String
    private var known: Set<String>
    private let lock = NSLock()

    static func ledgerPath(_ root: String) -> String { (root as NSString).appendingPathComponent(".winnow/written") }

    /// Whether `root` was made by Winnow: it holds a ledger, or the lock file of an older Winnow.
    static func isWinnowFolder(_ root: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: ledgerPath(root)) || fm.fileExists(atPath: (root as NSString).appendingPathComponent(".winnow.lock"))
    }

    /// What `root` holds that is not Winnow's bookkeeping or the files named in `ignoring` (a lineage file kept
    /// there, its journal and salt): a non-empty answer for a folder that is not Winnow's means someone else's files.
    static func foreignEntries(_ root: String, ignoring: Set<String>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { n in
            n != ".winnow" && n != ".winnow.lock" && !ignoring.contains((root as NSString).appendingPathComponent(n))
        }.sorted()
    }

    /// Opens (creating) the ledger of `root`. A folder from an older Winnow without a ledger gets one seeded from
    /// its manifest: the files that manifest lists are the ones Winnow is known to have written there.
    init(root: String) throws {
        self.root = root
        path = Self.ledgerPath(root)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if let bytes = try? readFileBytes(path) {
            known = Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init))
        } else {
            known = Self.filesListed(inManifestOf: root)
            try rewrite()
        }
    }

    /// Relative paths a manifest in `root` lists (text shards, token shards, tokenizer, the manifest itself).
    static func filesListed(inManifestOf root: String) -> Set<String> {
        guard let bytes = try? readFileBytes((root as NSString).appendingPathComponent("manifest.json")),
              let m = try? JSONParser.parse(bytes) else { return [] }
        var out: Set<String> = ["manifest.json"]
        for s in m["shards"]?.arrayValue ?? [] { if let p = s["path"]?.stringValue { out.insert(p) } }
        for s in m["parquet"]?["shards"]?.arrayValue ?? [] { if let p = s["path"]?.stringValue { out.insert(p) } }
        if let tokens = m["tokens"] {
            out.insert(tokens["tokenizer"]?["file"]?.stringValue ?? "tokenizer.json")
            for s in tokens["shards"]?.arrayValue ?? [] {
                for f in s["files"]?.arrayValue ?? [] { if let p = f["path"]?.stringValue { out.insert(p) } }
            }
        }
        return Set(out.filter { !$0.hasPrefix("/") && !$0.split(separator: "/").contains("..") })
    }

    /// Every recorded path (relative), sorted.
    var recorded: [String] { lock.lock(); defer { lock.unlock() }; return known.sorted() }

    /// Records `absolutePath` (inside the folder) before it is written.
    func record(_ absolutePath: String) throws {
        let rel = String(absolutePath.dropFirst(root.count + 1))
        lock.lock(); defer { lock.unlock() }
        guard known.insert(rel).inserted else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path, "cannot record a written file (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let line = Array((rel + "\n").utf8)
        guard line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count else {
            throw FileError(path, "cannot record a written file (\(String(cString: strerror(errno))))")
        }
    }

    /// Removes the recorded files under `prefix` (relative; "" for all) but those in `except`, and their temporary
    /// files, then the folders that held them if nothing else is left in them. Returns the relative paths removed.
    /// Nothing unrecorded is touched.
    @discardableResult
    func removeRecorded(under prefix: String = "", except: Set<String> = []) throws -> [String] {
        let fm = FileManager.default
        var removed: [String] = []
        var folders = Set<String>()
        lock.lock()
        let targets = known.filter { (prefix.isEmpty || $0.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")) && !except.contains($0) }.sorted()
        lock.unlock()
        for rel in targets {
            let full = (root as NSString).appendingPathComponent(rel)
            var st = stat()
            if lstat(full, &st) == 0 && (st.st_mode & S_IFMT) != S_IFDIR {
                do { try fm.removeItem(atPath: full) } catch { throw FileError(full, "cannot remove (\(describe(error)))") }
                removed.append(rel)
            }
            folders.insert((rel as NSString).deletingLastPathComponent)
        }
        removed += removeTemporaries(of: targets)
        lock.lock()
        for rel in targets { known.remove(rel) }
        lock.unlock()
        try rewrite()
        // Folders emptied by the removal go too (deepest first); rmdir refuses a folder that still holds anything.
        var dirs = Set<String>()
        for var f in folders { while !f.isEmpty && f != "." { dirs.insert(f); f = (f as NSString).deletingLastPathComponent } }
        for d in dirs.sorted(by: { $0.count > $1.count }) { rmdir((root as NSString).appendingPathComponent(d)) }
        return removed
    }

    /// Removes `NAME.tmp-PID` files of every recorded name (left by a killed run) and returns them (relative).
    @discardableResult
    func removeOrphanedTemporaries() -> [String] {
        removeTemporaries(of: recorded)
    }

    /// Removes the `NAME.tmp-PID` files of the recorded names `rels`, listing each folder once (an output with
    /// thousands of shards in one folder is looked through once per run, not once per shard).
    private func removeTemporaries(of rels: [String]) -> [String] {
        var basesByFolder: [String: Set<String>] = [:]
        for rel in rels { basesByFolder[(rel as NSString).deletingLastPathComponent, default: []].insert((rel as NSString).lastPathComponent) }
        var out: [String] = []
        for (folder, bases) in basesByFolder.sorted(by: { $0.key < $1.key }) {
            let dir = (root as NSString).appendingPathComponent(folder)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
                guard let base = Self.temporaryBase(name), bases.contains(base),
                      (try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name))) != nil else { continue }
                out.append(folder.isEmpty ? name : folder + "/" + name)
            }
        }
        return out
    }

    /// The name a temporary file `base.tmp-PID` (as `AtomicCompressedWriter` writes it before renaming) stands for.
    static func temporaryBase(_ name: String) -> String? {
        guard let r = name.range(of: ".tmp-", options: .backwards), !name[r.upperBound...].isEmpty,
              name[r.upperBound...].allSatisfy(\.isNumber) else { return nil }
        return String(name[..<r.lowerBound])
    }

    /// Whether `name` is a temporary file `base.tmp-PID`.
    static func isTemporary(_ name: String) -> Bool { temporaryBase(name) != nil }

    private func rewrite() throws {
        lock.lock()
        let text = known.sorted().map { $0 + "\n" }.joined()
        lock.unlock()
        // Written with system calls, so a failure names the operating system's reason (EMFILE, ENOSPC, EFBIG).
        let tmp = path + ".new"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(tmp, "cannot create (\(String(cString: strerror(errno))))") }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { let e = errno; close(fd); unlink(tmp); throw FileError(tmp, "write failed (\(String(cString: strerror(n < 0 ? e : ENOSPC))))") }
            done += n
        }
        guard close(fd) == 0 else { let e = errno; unlink(tmp); throw FileError(tmp, "write failed (\(String(cString: strerror(e))))") }
        guard rename(tmp, path) == 0 else { throw FileError(path, "cannot replace (\(String(cString: strerror(errno))))") }
    }

    // MARK: - The active ledgers

    nonisolated(unsafe) private static var active: [String: OutputLedger] = [:]
    private static let activeLock = NSLock()

    /// Routes `noteWriting` for paths under this folder here until `deactivate`.
    func activate() { Self.activeLock.lock(); Self.active[root] = self; Self.activeLock.unlock() }
    func deactivate() { Self.activeLock.lock(); if Self.active[root] === self { Self.active[root] = nil }; Self.activeLock.unlock() }

    /// Called by every atomic writer before it creates `path`: records it in the ledger of the active output
    /// folder that holds it (work files under `.winnow/` are not recorded; their folder is removed whole).
    static func noteWriting(_ path: String) throws {
        activeLock.lock()
        let ledger = active.values.first { path.hasPrefix($0.root + "/") && !path.hasPrefix($0.root + "/.winnow/") }
        activeLock.unlock()
        try ledger?.record(path)
    }
}
