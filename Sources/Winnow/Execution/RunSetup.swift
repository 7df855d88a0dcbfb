import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What every way of running a pipeline does before its first stage: the output folder checked and created, the
/// lineage file's folder created, the generated PII salt handed to the steps that need it.
enum RunSetup {
    /// Refuses an existing `output.dir` that is not a folder, or that holds files and was not made by Winnow (unless
    /// `force`): a new run clears the shards of earlier runs, and someone else's files must never look like those.
    static func checkOutputFolder(_ pipeline: Pipeline, force: Bool) throws {
        let dir = pipeline.outputDir
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw FileError(dir, "output.dir exists and is not a folder") }
        if force || OutputLedger.isWinnowFolder(dir) { return }
        let l = pipeline.lineagePath
        let foreign = OutputLedger.foreignEntries(dir, ignoring: [l, l + "-wal", l + "-shm", l + "-journal", GeneratedSalt.path(beside: l)])
        guard foreign.isEmpty else {
            let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", … (\(foreign.count) entries)" : "")
            throw FileError(dir, "output.dir already holds files Winnow did not write (\(shown)). Give a new or empty folder, or pass --force to write beside them (Winnow deletes only files it recorded writing, so they stay untouched)")
        }
    }

    /// `mkdir -p` with the OS's reason on failure ("Not a directory" when a file is in the way).
    static func createFolder(_ path: String, _ what: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileError(path, "cannot create \(what) (\(prefix): \(String(cString: strerror(errno))))")
            }
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw FileError(path, "cannot create \(what) (a file, not a folder, is in the way)")
        }
    }

    /// Hands the output folder's generated salt to `pii` steps that hash without a salt in the spec.
    static func provideGeneratedSalt(_ pipeline: Pipeline) throws {
        let scrubbers = pipeline.steps.compactMap { step -> PIIScrubber? in
            if case .document(let s) = step { return s as? PIIScrubber }
            return nil
        }.filter(\.usesGeneratedSalt)
        guard !scrubbers.isEmpty else { return }
        let salt = try GeneratedSalt.loadOrCreate(beside: pipeline.lineagePath)
        for s in scrubbers { s.useGeneratedSalt(salt) }
    }
}
