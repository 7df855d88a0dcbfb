/// `length`: keeps documents whose length in characters (Unicode scalars, as Python's `len`) and
/// words (runs of non-whitespace) lies within bounds. Annotates `chars` and `words`.
///
/// ```json
/// { "type": "length", "min_chars": 200, "max_words": 100000 }
/// ```
public final class LengthFilter: DocumentStep {
    public struct Parameters: StepParameters {
        @Param("min_chars", Schema.integer("Fewest characters (Unicode scalars) a kept document has.", minimum: 0))
        public var minChars = 0
        @Param("max_chars", Schema.integer("Most characters a kept document has; no limit when absent.", minimum: 1))
        public var maxChars: Int? = nil
        @Param("min_words", Schema.integer("Fewest words (runs of non-whitespace) a kept document has.", minimum: 0))
        public var minWords = 0
        @Param("max_words", Schema.integer("Most words a kept document has; no limit when absent.", minimum: 1))
        public var maxWords: Int? = nil
        public init() {}
    }

    public let name: String
    public let parameters: Parameters

    public init(name: String = "length", parameters: Parameters) {
        self.name = name
        self.parameters = parameters
    }

    static let descriptor = StepDescriptor(
        type: "length", kind: .document,
        summary: "Drops documents outside character and word bounds (reasons: min_chars, max_chars, min_words, max_words).",
        parameters: Parameters.self,
        build: { spec, _ in .document(LengthFilter(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        let (chars, words) = TextStats.charsAndWords(doc.text)
        doc.annotations["chars"] = .int(chars)
        doc.annotations["words"] = .int(words)
        if chars < parameters.minChars { return .drop(reason: "min_chars") }
        if let m = parameters.maxChars, chars > m { return .drop(reason: "max_chars") }
        if words < parameters.minWords { return .drop(reason: "min_words") }
        if let m = parameters.maxWords, words > m { return .drop(reason: "max_words") }
        return .keep
    }
}
