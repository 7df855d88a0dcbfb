#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Expands shell-style globs (`*`, `?`, `[...]`, and `**` for any number of folders) to sorted file paths.
public enum Glob {
    /// Resolves `pattern` against `base` when it is relative, then expands it.
    public static func expand(_ pattern: String, relativeTo base: String) -> [String] {
        let full = pattern.hasPrefix("/") ? pattern : (base as NSString).appendingPathComponent(pattern)
        let normalized = (full as NSString).standardizingPath
        if !hasMagic(normalized) {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: normalized, isDirectory: &isDir) && !isDir.boolValue ? [normalized] : []
        }
        let parts = normalized.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var results: [String] = []
        walk(prefix: "/", parts: parts[...], into: &results)
        return Array(Set(results)).sorted()
    }

    static func hasMagic(_ s: String) -> Bool { s.contains("*") || s.contains("?") || s.contains("[") }

    private static func walk(prefix: String, parts: ArraySlice<String>, into results: inout [String]) {
        guard let first = parts.first else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDir), !isDir.boolValue { results.append(prefix) }
            return
        }
        let rest = parts.dropFirst()
        if first == "**" {
            walk(prefix: prefix, parts: rest, into: &results)
            for entry in listDirectory(prefix) where entry.isDirectory {
                walk(prefix: join(prefix, entry.name), parts: parts, into: &results)
            }
            return
        }
        if !hasMagic(first) {
            walk(prefix: join(prefix, first), parts: rest, into: &results)
            return
        }
        for entry in listDirectory(prefix) where fnmatch(first, entry.name, FNM_PERIOD) == 0 {
            if rest.isEmpty { if !entry.isDirectory { results.append(join(prefix, entry.name)) } }
            else if entry.isDirectory { walk(prefix: join(prefix, entry.name), parts: rest, into: &results) }
        }
    }

    private static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }

    private static func listDirectory(_ path: String) -> [(name: String, isDirectory: Bool)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.sorted().compactMap { name in
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: join(path, name), isDirectory: &isDir) else { return nil }
            return (name, isDir.boolValue)
        }
    }
}
