import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `pii` hash policy's salt when the spec gives none: 32 random bytes, made once and kept beside the lineage
/// file (`<lineage>.pii-salt`, mode 0600), so pseudonyms stay the same run after run but nobody can recompute them
/// from a list of known addresses (a salt derived from the seed could be).
enum GeneratedSalt {
    static func path(beside lineagePath: String) -> String { lineagePath + ".pii-salt" }

    /// Reads the salt file, or creates it (exclusively: two runs starting at once end up with the same salt).
    static func loadOrCreate(beside lineagePath: String) throws -> String {
        let p = path(beside: lineagePath)
        if let existing = try read(p) { return existing }
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        let fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST, let existing = try read(p) { return existing }
            throw FileError(p, "cannot create the PII salt file (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        let bytes = Array((salt + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw FileError(p, "cannot write the PII salt file (\(String(cString: strerror(errno))))")
        }
        return salt
    }

    private static func read(_ p: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let text = String(decoding: try readFileBytes(p), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= 32 else { throw FileError(p, "the PII salt file is damaged (\(text.count) characters; 64 expected). Restore it from a backup — a new salt changes every hashed pseudonym") }
        return text
    }
}
