import Foundation

/// Whether a step looks at one document at a time or needs all of them first.
public enum StepKind: String, Sendable { case document, barrier }

/// Everything Winnow knows about one step type: its schema and how to build it from a spec entry.
public struct StepDescriptor: Sendable {
    public let type: String
    public let kind: StepKind
    public let summary: String
    /// JSON Schema for each parameter, in the order the README lists them.
    let parameters: [(String, JSONValue)]
    let required: [String]
    /// The parameter keys the Codable parameter struct knows (`CodingKeys.allCases`), checked against the schema in tests.
    public let codingKeys: [String]
    let build: @Sendable (StepSpec, StepContext) throws -> PipelineStep
    /// Decodes a `{"type": …, …}` object's parameters into the step's parameter struct (for the test that the
    /// schema's defaults are the decoded ones).
    var decodeParameters: (@Sendable (JSONValue) throws -> Any)? = nil

    /// `decodeParameters` for parameter struct `P`.
    static func decoder<P: Decodable>(_ type: P.Type) -> @Sendable (JSONValue) throws -> Any { { try $0.decode(P.self) } }

    /// The parameter names declared in the schema.
    public var parameterNames: [String] { parameters.map(\.0) }
}

/// The step types Winnow ships, by `type`.
public enum StepRegistry {
    public static let all: [StepDescriptor] = [
        LengthFilter.descriptor,
        .perLanguage(GopherQuality.descriptor),
        .perLanguage(GopherRepetition.descriptor),
        .perLanguage(FineWebQuality.descriptor),
        .perLanguage(C4Quality.descriptor),
        CharacterRatioFilter.alphaRatio,
        CharacterRatioFilter.symbolRatio,
        MaxLineLengthFilter.descriptor,
        .perLanguage(C4BadWords.descriptor),
        URLFilter.descriptor,
        HTMLExtract.descriptor,
        LanguageID.descriptor,
        FastTextClassifier.descriptor,
        PIIScrubber.descriptor,
        PerplexityStep.descriptor,
        ExactDedup.descriptor,
        MinHashDedup.descriptor,
        LineDedup.descriptor,
        Decontaminate.descriptor,
    ]

    public static func descriptor(for type: String) -> StepDescriptor? { all.first { $0.type == type } }

    /// Builds the step an entry of `steps` describes (the entry was validated against the schema).
    public static func build(_ spec: StepSpec, context: StepContext = StepContext()) throws -> PipelineStep {
        guard let d = descriptor(for: spec.type) else { throw SpecError.unknownStep(spec.type) }
        return try d.build(spec, context)
    }
}

/// What building a step may need besides its parameters.
public struct StepContext: Sendable {
    /// Folder that paths in step parameters are relative to (the spec's folder).
    public var baseDir: String
    /// The spec's `seed`.
    public var seed: Int
    /// The resolved `output.dir` (steps that leave files beside the shards write there).
    public var outputDir: String
    /// The files building the steps read (models, word lists, indexes): a run that keeps an earlier run's cleaning
    /// checks none of them changed.
    public let filesRead = FilesRead()
    public init(baseDir: String = ".", seed: Int = 0, outputDir: String = "out") {
        self.baseDir = baseDir; self.seed = seed; self.outputDir = outputDir
    }

    /// `path` resolved against `baseDir`.
    public func resolve(_ path: String) -> String { PipelineLoader.resolve(path, baseDir) }

    /// The non-empty lines of a list file named in a step's parameters (`pointer` says where, for errors);
    /// lines starting with `#` are comments when `comments` is set.
    func listEntries(_ path: String, pointer: String, comments: Bool) throws -> [Substring] {
        let resolved = resolve(path)
        filesRead.note(resolved)
        guard let bytes = try? readFileBytes(resolved), let text = String(validating: bytes, as: UTF8.self) else {
            throw StepBuildError(pointer, "cannot read \"\(path)\" as UTF-8 text (resolved to \(resolved))")
        }
        return text.split(whereSeparator: \.isNewline).filter { !(comments && $0.hasPrefix("#")) }
    }
}

/// Paths of the files a spec's steps read while being built, with their size and modification time when noted.
public final class FilesRead: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: String] = [:]
    public init() {}

    /// Records `path` as read (a missing file is recorded as missing).
    public func note(_ path: String) {
        let a = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (a?[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        lock.lock(); seen[path] = "\(size)\t\(mtime)"; lock.unlock()
    }

    /// One line per file, sorted: path, size, modification time.
    public var fingerprint: String {
        lock.lock(); defer { lock.unlock() }
        return seen.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)\n" }.joined()
    }
}

/// A step's parameters are well-formed but unusable (e.g. a list file that cannot be read); `pointer`
/// is relative to the step (`/lists/en`).
public struct StepBuildError: Error, CustomStringConvertible {
    public let pointer: String
    public let message: String
    public init(_ pointer: String, _ message: String) { self.pointer = pointer; self.message = message }
    public var description: String { message }
}

public enum SpecError: Error, CustomStringConvertible {
    case unknownStep(String)
    case invalid([SpecIssue])

    public var description: String {
        switch self {
        case .unknownStep(let t): return "unknown step type \"\(t)\""
        case .invalid(let issues): return issues.map(\.description).joined(separator: "\n")
        }
    }
}
