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
    let build: @Sendable (StepSpec) throws -> PipelineStep

    /// The parameter names declared in the schema.
    public var parameterNames: [String] { parameters.map(\.0) }
}

/// The step types Winnow ships, by `type`.
public enum StepRegistry {
    public static let all: [StepDescriptor] = [
        LengthFilter.descriptor,
        AlphaRatioFilter.descriptor,
        SymbolRatioFilter.descriptor,
        MaxLineLengthFilter.descriptor,
        ExactDedup.descriptor,
    ]

    public static func descriptor(for type: String) -> StepDescriptor? { all.first { $0.type == type } }

    /// Builds the step an entry of `steps` describes (the entry was validated against the schema).
    public static func build(_ spec: StepSpec) throws -> PipelineStep {
        guard let d = descriptor(for: spec.type) else { throw SpecError.unknownStep(spec.type) }
        return try d.build(spec)
    }
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
