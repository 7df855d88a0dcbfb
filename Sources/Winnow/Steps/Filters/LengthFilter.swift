/// `length`: keeps documents whose length in characters (Unicode scalars, as Python's `len`) and
/// words (runs of non-whitespace) lies within bounds. Annotates `chars` and `words`.
///
/// ```json
/// { "type": "length", "min_chars": 200, "max_words": 100000 }
/// ```
public final class LengthFilter: DocumentStep {
    public struct Parameters: Codable, Sendable {
        public var minChars: Int = 0
        public var maxChars: Int?
        public var minWords: Int = 0
        public var maxWords: Int?

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case minChars = "min_chars", maxChars = "max_chars", minWords = "min_words", maxWords = "max_words"
        }

        public init() {}
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minChars = try c.decodeIfPresent(Int.self, forKey: .minChars) ?? 0
            maxChars = try c.decodeIfPresent(Int.self, forKey: .maxChars)
            minWords = try c.decodeIfPresent(Int.self, forKey: .minWords) ?? 0
            maxWords = try c.decodeIfPresent(Int.self, forKey: .maxWords)
        }
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
        parameters: [
            ("min_chars", Schema.integer("Fewest characters (Unicode scalars) a kept document has.", default: 0, minimum: 0)),
            ("max_chars", Schema.integer("Most characters a kept document has; no limit when absent.", minimum: 1)),
            ("min_words", Schema.integer("Fewest words (runs of non-whitespace) a kept document has.", default: 0, minimum: 0)),
            ("max_words", Schema.integer("Most words a kept document has; no limit when absent.", minimum: 1)),
        ],
        required: [],
        codingKeys: Parameters.CodingKeys.allCases.map(\.stringValue),
        build: { spec, _ in .document(LengthFilter(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) },
        decodeParameters: StepDescriptor.decoder(Parameters.self))

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
