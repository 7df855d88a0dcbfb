/// `max_line_length`: keeps documents whose longest line (Python `splitlines`, counted in characters) lies
/// in `min_length…max_length`. Defaults as data-juicer's `maximum_line_length_filter` (min 10, no maximum).
/// Annotates `max_line_length`.
public final class MaxLineLengthFilter: DocumentStep {
    public struct Parameters: StepParameters {
        // data-juicer maximum_line_length_filter: min_len 10, max_len unbounded.
        @Param("min_length", Schema.integer("Drop documents whose longest line has fewer characters.", minimum: 0))
        public var minLength = 10
        @Param("max_length", Schema.integer("Drop documents with a line longer than this; no limit when absent.", minimum: 1))
        public var maxLength: Int? = nil
        public init() {}
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "max_line_length", parameters: Parameters = Parameters()) {
        self.name = name
        self.parameters = parameters
    }

    static let descriptor = StepDescriptor(
        type: "max_line_length", kind: .document,
        summary: "Drops documents whose longest line is shorter than min_length or longer than max_length characters (reasons: max_line_length_short, max_line_length_long).",
        parameters: Parameters.self,
        build: { spec, _ in .document(MaxLineLengthFilter(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        let longest = TextLines.lineLengths(doc.text).max() ?? 0
        doc.annotations["max_line_length"] = .int(longest)
        if longest < parameters.minLength { return .drop(reason: "max_line_length_short") }
        if let m = parameters.maxLength, longest > m { return .drop(reason: "max_line_length_long") }
        return .keep
    }
}
