import Foundation

/// The dictionaries and models word splitting reads for the languages whose words are not what spaces delimit —
/// jieba's for Chinese (`models/jieba`, `ChineseWords`), Sudachi's for Japanese (`models/sudachi`, `JapaneseWords`),
/// pyvi's for Vietnamese (`models/pyvi`, `VietnameseWords`) — found where `make setup` puts them and loaded once per
/// process.
enum WordModels {
    /// What each language that needs a dictionary reads: the folder under `models/` and a file that must be in it.
    static let folders: [String: (folder: String, marker: String, what: String)] = [
        "zh": ("jieba", "dict.txt", "Chinese word splitting needs jieba's dictionary"),
        "ja": ("sudachi", "system.dic", "Japanese word splitting needs Sudachi's dictionary"),
        "vi": ("pyvi", "tokenizer.crfsuite", "Vietnamese word splitting needs pyvi's model"),
    ]

    /// The folder holding `language`'s dictionary: `models/<folder>` resolved against the spec's folder, then the
    /// working directory, then `$WINNOW_MODELS/<folder>`, then the checkout the running `winnow` was built in
    /// (`models/<folder>` in a folder above the executable: `.build/release/winnow` → the checkout); a
    /// `StepBuildError` at `pointer` naming where it looked when none has it.
    static func locate(language: String, context: StepContext, pointer: String) throws -> String {
        guard let (folder, marker, what) = folders[language] else { preconditionFailure("no dictionary for \(language)") }
        var candidates = [context.resolve("models/\(folder)"), PipelineLoader.absolutePath("models/\(folder)")]
        if let dir = ProcessInfo.processInfo.environment["WINNOW_MODELS"], !dir.isEmpty { candidates.append(PipelineLoader.resolve(folder, dir)) }
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            var dir = executable.deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("models/\(folder)").path)
                dir = dir.deletingLastPathComponent()
            }
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent(marker)) }) else {
            let tried = Array(NSOrderedSet(array: candidates)).map { "\($0)" }.joined(separator: ", ")
            throw StepBuildError(pointer, "\(what) (looked for \(marker) in \(tried)); `make setup` places it in the models/\(folder) folder of the Winnow checkout: run from there or set WINNOW_MODELS to its models folder")
        }
        return found
    }

    /// For a word-splitting step built with `language`: loads the language's dictionary when it needs one, so a
    /// missing or broken one is an error when the step is built (and at `winnow validate`), not a silent other splitting.
    static func prepare(language: String, context: StepContext, pointer: String) throws {
        guard folders[language] != nil else { return }
        let folder = try locate(language: language, context: context, pointer: pointer)
        do {
            switch language {
            case "zh": _ = try ChineseWords.load(folder)
            case "ja": _ = try JapaneseWords.load(folder)
            default: _ = try VietnameseWords.load(folder)
            }
        } catch let e as WordModelError { throw StepBuildError(pointer, e.description) }
    }
}

/// Models read on first use, one per folder, and shared by every step after; the last one loaded is `current` (a
/// run has one dictionary per language, the pinned one).
final class ModelCache<Model: AnyObject>: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: [String: Model] = [:]
    private var current: Model?

    func load(_ folder: String, _ make: (String) throws -> Model) throws -> Model {
        lock.lock(); defer { lock.unlock() }
        if let m = loaded[folder] { current = m; return m }
        let m = try make(folder)
        loaded[folder] = m
        current = m
        return m
    }

    /// The model the steps' building loaded, else the one in `fallback` (the working directory's `models/…`).
    func shared(fallback: String, _ make: (String) throws -> Model) -> Model? {
        if let c = lock.withLock({ current }) { return c }
        return try? load(PipelineLoader.absolutePath(fallback), make)
    }
}

struct WordModelError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
