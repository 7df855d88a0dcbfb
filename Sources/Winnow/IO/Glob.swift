#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Expands shell-style globs (`*`, `?`, `[...]`, and `**` for any number of folders) to sorted paths of regular
/// files. Symbolic links to files are followed; a folder reached twice under `**` (a symbolic-link loop, or two
/// links to one folder) is walked once; one file reached by two paths is listed once. What a pattern reaches but
/// cannot read as an input — a FIFO, socket or device, a link to nothing, a name that is not UTF-8 — is reported
/// as a problem, never skipped in silence.
public enum Glob {
    /// A path the pattern reached that cannot be an input, and why.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    /// The files a pattern matched and the problems met on the way.
    public struct Expansion: Sendable {
        public var files: [String] = []
        public var problems: [Problem] = []
    }

    /// Resolves `pattern` against `base` when it is relative, then expands it (files only).
    public static func expand(_ pattern: String, relativeTo base: String) -> [String] {
        expandReporting(pattern, relativeTo: base).files
    }

    /// Resolves `pattern` against `base` when it is relative, then expands it.
    public static func expandReporting(_ pattern: String, relativeTo base: String) -> Expansion {
        let full = pattern.hasPrefix("/") ? pattern : (base as NSString).appendingPathComponent(pattern)
        let normalized = (full as NSString).standardizingPath
        var walker = Walker()
        if !hasMagic(normalized) {
            walker.consider(normalized, explicit: true)
        } else {
            let parts = normalized.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            walker.walk(prefix: "/", parts: parts[...])
        }
        var out = Expansion()
        var seenFiles = Set<FileID>()
        for (path, id) in walker.files.sorted(by: { $0.0 < $1.0 }) where seenFiles.insert(id).inserted { out.files.append(path) }
        var seenProblems = Set<String>()
        out.problems = walker.problems.sorted { $0.path < $1.path }.filter { seenProblems.insert($0.path).inserted }
        return out
    }

    /// Device and inode: what makes two paths one file.
    public struct FileID: Hashable, Sendable {
        let device: UInt64, inode: UInt64
        public init?(path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            device = UInt64(st.st_dev); inode = UInt64(st.st_ino)
        }
    }

    static func hasMagic(_ s: String) -> Bool { s.contains("*") || s.contains("?") || s.contains("[") }

    private struct Walker {
        var files: [(String, FileID)] = []
        var problems: [Problem] = []
        /// Folders entered with a given number of pattern parts left: a loop comes back to one of them.
        var entered = Set<String>()

        /// A path the pattern names: kept if it is a regular file (or a link to one); reported if it exists but is
        /// not one. Folders are left alone unless named outright (`explicit`).
        mutating func consider(_ path: String, explicit: Bool) {
            var st = stat()
            guard stat(path, &st) == 0 else {
                var lst = stat()
                if lstat(path, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK {
                    problems.append(Problem(path: path, message: "is a symbolic link to nothing (\(String(cString: strerror(errno))))"))
                }
                return
            }
            switch st.st_mode & S_IFMT {
            case S_IFREG: files.append((path, FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))))
            case S_IFDIR: if explicit { problems.append(Problem(path: path, message: "is a folder; give a pattern for its files (e.g. \"\(path)/*.jsonl\")")) }
            case S_IFIFO: problems.append(Problem(path: path, message: "is a FIFO (named pipe), not a regular file: only regular files and symbolic links to them are inputs"))
            case S_IFSOCK: problems.append(Problem(path: path, message: "is a socket, not a regular file: only regular files and symbolic links to them are inputs"))
            case S_IFCHR, S_IFBLK: problems.append(Problem(path: path, message: "is a device, not a regular file: only regular files and symbolic links to them are inputs"))
            default: problems.append(Problem(path: path, message: "is not a regular file"))
            }
        }

        mutating func walk(prefix: String, parts: ArraySlice<String>) {
            guard let first = parts.first else { consider(prefix, explicit: false); return }
            let rest = parts.dropFirst()
            if first == "**" {
                var st = stat()
                guard stat(prefix, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR,
                      entered.insert("\(st.st_dev):\(st.st_ino):\(parts.count)").inserted else { return }
                walk(prefix: prefix, parts: rest)
                for entry in list(prefix, matching: nil) where entry.isDirectory {
                    walk(prefix: join(prefix, entry.name), parts: parts)
                }
                return
            }
            if !hasMagic(first) {
                walk(prefix: join(prefix, first), parts: rest)
                return
            }
            for entry in list(prefix, matching: first) where fnmatch(first, entry.name, FNM_PERIOD) == 0 {
                if rest.isEmpty { if !entry.isDirectory { consider(join(prefix, entry.name), explicit: false) } }
                else if entry.isDirectory { walk(prefix: join(prefix, entry.name), parts: rest) }
            }
        }

        /// The folder's entries (names that are UTF-8), sorted; an entry is a folder if it or its link's target is one.
        /// A name that is not UTF-8 cannot be named in a spec or in lineage: it is reported with its bytes when
        /// `pattern` matches it (nil: when it is a folder `**` would walk into).
        mutating func list(_ path: String, matching pattern: String?) -> [(name: String, isDirectory: Bool)] {
            guard let dir = opendir(path) else { return [] }
            defer { closedir(dir) }
            var out: [(String, Bool)] = []
            while let e = readdir(dir) {
                let bytes = withUnsafeBytes(of: e.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
                guard let name = String(validating: bytes, as: UTF8.self) else {
                    var cName = bytes.map { CChar(bitPattern: $0) }; cName.append(0)
                    var st = stat()
                    let fullPath = Array(path.utf8CString.dropLast()) + [CChar(0x2F)] + cName
                    let isDir = stat(fullPath, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
                    let relevant = pattern.map { fnmatch($0, cName, FNM_PERIOD) == 0 } ?? isDir
                    guard relevant else { continue }
                    let shown = bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }.joined()
                    problems.append(Problem(path: join(path, shown),
                                            message: "the file name is not valid UTF-8 (bytes shown as \\xNN); rename it (e.g. convmv -f latin1 -t utf8) to read it"))
                    continue
                }
                var st = stat()
                let isDir = stat(join(path, name), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
                out.append((name, isDir))
            }
            return out.sorted { $0.0 < $1.0 }
        }

        func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
    }
}

extension Glob.FileID {
    init(device: UInt64, inode: UInt64) { self.device = device; self.inode = inode }
}
