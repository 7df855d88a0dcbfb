import Foundation

/// A dataset folder as the Hugging Face Hub ships it (`huggingface-cli download --repo-type dataset …`): the Parquet
/// files of one config and split. The configs are those the folder's README.md declares in its YAML header
/// (`configs:` → `config_name`, `data_files` → `split`, `path` globs), as `datasets` reads them; without that header,
/// the Hub's conventions: a config is a subfolder (`<config>/<split>/*.parquet`, `<config>/<split>-*.parquet`) or the
/// folder itself (`data/<split>-*.parquet`, `data/<split>/*.parquet`, `<split>-*.parquet`).
public enum HFDataset {
    public struct Config: Equatable, Sendable {
        public var name: String
        /// Split → path globs, relative to the dataset folder, in the README's order.
        public var splits: [(split: String, paths: [String])] = []
        public static func == (a: Config, b: Config) -> Bool {
            a.name == b.name && a.splits.map(\.split) == b.splits.map(\.split) && a.splits.map(\.paths) == b.splits.map(\.paths)
        }
    }

    /// The Parquet files of `config` (default `default`, or the only one) and `split` (default: every split), sorted;
    /// or what is wrong, naming what the folder offers.
    public static func files(dir: String, config: String?, split: String?) -> Result<[String], FileError> {
        let readme = (dir as NSString).appendingPathComponent("README.md")
        if let text = try? String(contentsOfFile: readme, encoding: .utf8), let configs = readmeConfigs(text), !configs.isEmpty {
            let chosen: Config
            if let config {
                guard let c = configs.first(where: { $0.name == config }) else {
                    return .failure(FileError(dir, "README.md declares no config \"\(config)\"; its configs: \(configs.map(\.name).joined(separator: ", "))"))
                }
                chosen = c
            } else if let c = configs.first(where: { $0.name == "default" }) ?? (configs.count == 1 ? configs[0] : nil) {
                chosen = c
            } else {
                return .failure(FileError(dir, "README.md declares several configs and none is \"default\"; choose one with \"config\": \(configs.map(\.name).joined(separator: ", "))"))
            }
            var patterns: [String] = []
            if let split {
                guard let s = chosen.splits.first(where: { $0.split == split }) else {
                    return .failure(FileError(dir, "config \"\(chosen.name)\" has no split \"\(split)\"; its splits: \(chosen.splits.map(\.split).joined(separator: ", "))"))
                }
                patterns = s.paths
            } else {
                patterns = chosen.splits.flatMap(\.paths)
            }
            let files = Set(patterns.flatMap { Glob.expand($0, relativeTo: dir) }).filter { $0.hasSuffix(".parquet") }.sorted()
            guard !files.isEmpty else {
                return .failure(FileError(dir, "config \"\(chosen.name)\"\(split.map { ", split \"\($0)\"" } ?? ""): README.md's paths (\(patterns.joined(separator: ", "))) match no .parquet file (not downloaded yet?)"))
            }
            return .success(files)
        }
        // No configs in a README: the Hub's folder conventions.
        var base = dir
        if let config, config != "default" || isFolder((dir as NSString).appendingPathComponent(config)) {
            base = (dir as NSString).appendingPathComponent(config)
            guard isFolder(base) else {
                return .failure(FileError(dir, "has no folder for config \"\(config)\" and no README.md declaring configs; its folders: \(subfolders(dir).joined(separator: ", "))"))
            }
        }
        let all = Glob.expand("**/*.parquet", relativeTo: base).sorted()
        guard let split else {
            guard !all.isEmpty else { return .failure(FileError(base, "holds no .parquet file")) }
            return .success(all)
        }
        let mine = all.filter { splitOf($0, base: base, candidates: [split]) == split }
        guard !mine.isEmpty else {
            let found = Set(all.compactMap { splitOf($0, base: base, candidates: nil) }).sorted()
            return .failure(FileError(base, "holds no .parquet file of split \"\(split)\"\(found.isEmpty ? "" : "; splits found: \(found.joined(separator: ", "))")"))
        }
        return .success(mine)
    }

    /// The split a file belongs to by the Hub's naming: a folder named for it (`train/0000.parquet`), or a file name
    /// starting with it (`train-00000-of-00004.parquet`, `train.parquet`). With `candidates` nil, the name's guess.
    static func splitOf(_ file: String, base: String, candidates: [String]?) -> String? {
        let rel = file.hasPrefix(base + "/") ? String(file.dropFirst(base.count + 1)) : file
        let parts = rel.split(separator: "/").map(String.init)
        let name = parts.last ?? ""
        let stem = String(name.dropLast(".parquet".count))
        if let candidates {
            for c in candidates where parts.dropLast().contains(c) || stem == c || stem.hasPrefix(c + "-") || stem.hasPrefix(c + "_") { return c }
            return nil
        }
        if let dash = stem.firstIndex(where: { $0 == "-" || $0 == "_" }), stem[..<dash].allSatisfy(\.isLetter) { return String(stem[..<dash]) }
        if stem.allSatisfy(\.isLetter) { return stem }
        return parts.dropLast().last { $0 != "data" }
    }

    private static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    private static func subfolders(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") && isFolder((dir as NSString).appendingPathComponent($0)) }.sorted()
    }

    /// The `configs` of a dataset card's YAML header, read as `datasets` reads the common shapes:
    /// `data_files` a string, a list of strings, or a list of `{split, path}` with `path` a string or a list.
    static func readmeConfigs(_ text: String) -> [Config]? {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
              let close = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else { return nil }
        let header = Array(lines[1..<close])
        guard let start = header.firstIndex(where: { $0.hasPrefix("configs:") }) else { return nil }
        func unquote(_ s: String) -> String {
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.count >= 2, let f = t.first, f == "\"" || f == "'", t.last == f { return String(t.dropFirst().dropLast()) }
            return t
        }
        func values(_ s: String) -> [String] {   // `x` or `[a, b]`
            let t = s.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("["), t.hasSuffix("]") else { return t.isEmpty ? [] : [unquote(t)] }
            return t.dropFirst().dropLast().split(separator: ",").map { unquote(String($0)) }.filter { !$0.isEmpty }
        }
        var configs: [Config] = []
        var configIndent = -1
        var split: String? = nil
        var paths: [String] = []
        var inDataFiles = false
        func closeEntry() {
            guard !configs.isEmpty, !paths.isEmpty else { split = nil; paths = []; return }
            configs[configs.count - 1].splits.append((split ?? "train", paths))
            split = nil; paths = []
        }
        for raw in header[(start + 1)...] {
            if raw.trimmingCharacters(in: .whitespaces).isEmpty || raw.trimmingCharacters(in: .whitespaces).hasPrefix("#") { continue }
            let indent = raw.prefix { $0 == " " }.count
            if indent == 0 && !raw.hasPrefix("-") { break }   // the next top-level key
            var body = String(raw.dropFirst(indent))
            var item = false
            if body.hasPrefix("- ") || body == "-" {
                item = true
                body = String(body.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                if configIndent < 0 { configIndent = indent }
                if indent == configIndent {
                    closeEntry()
                    configs.append(Config(name: ""))
                    inDataFiles = false
                }
            }
            // `key: value` or `key:`; anything else in a list is a bare element (a path).
            guard let colon = body.range(of: ": ") ?? (body.hasSuffix(":") ? body.range(of: ":", options: .backwards) : nil) else {
                if item, inDataFiles { paths.append(unquote(body)) }   // a bare list element: a path
                continue
            }
            let key = unquote(String(body[..<colon.lowerBound])), value = String(body[colon.upperBound...])
            switch key {
            case "config_name": configs[configs.count - 1].name = unquote(value)
            case "data_files":
                closeEntry()
                inDataFiles = true
                paths = values(value)
                if !paths.isEmpty { closeEntry() }
            case "split":
                if item { closeEntry() }
                split = unquote(value)
            case "path":
                if item && !paths.isEmpty { closeEntry() }
                paths += values(value)
            default: break
            }
        }
        closeEntry()
        return configs.filter { !$0.name.isEmpty }
    }
}
