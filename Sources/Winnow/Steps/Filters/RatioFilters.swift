/// Shared shape of the character-ratio filters: a ratio of matching scalars to all scalars, kept when it
/// lies in `min_ratio…max_ratio`, stored as an annotation named after the step type.
struct RatioBounds: Codable, Sendable {
    var minRatio: Double
    var maxRatio: Double

    enum CodingKeys: String, CodingKey, CaseIterable { case minRatio = "min_ratio", maxRatio = "max_ratio" }

    init(min: Double, max: Double) { minRatio = min; maxRatio = max }

    static func decode(_ spec: StepSpec, defaults: RatioBounds) throws -> RatioBounds {
        let c = try JSONValue.object(spec.parameters).decode(Partial.self)
        return RatioBounds(min: c.min_ratio ?? defaults.minRatio, max: c.max_ratio ?? defaults.maxRatio)
    }

    private struct Partial: Decodable { let min_ratio: Double?; let max_ratio: Double? }

    static func schema(minDefault: Double, maxDefault: Double, what: String) -> [(String, JSONValue)] {
        [("min_ratio", Schema.number("Drop documents whose \(what) is below this.", default: minDefault, minimum: 0, maximum: 1)),
         ("max_ratio", Schema.number("Drop documents whose \(what) is above this.", default: maxDefault, minimum: 0, maximum: 1))]
    }

    /// The decision for `matching` of `total` scalars (an empty text has ratio 0).
    func decide(matching: Int, total: Int, name: String, doc: inout Document) -> StepResult {
        let ratio = total == 0 ? 0 : Double(matching) / Double(total)
        doc.annotations[name] = .number(ratio)
        if ratio < minRatio { return .drop(reason: "\(name)_low") }
        if ratio > maxRatio { return .drop(reason: "\(name)_high") }
        return .keep
    }
}

/// A character-ratio filter: the share of characters in a class, kept within `RatioBounds`.
///
/// - `alpha_ratio`: letters or digits (Python's `isalnum`, any script). Default bounds as data-juicer's
///   `alphanumeric_filter` (min 0.25, no maximum).
/// - `symbol_ratio`: punctuation or symbols (Unicode categories P* and S*, any script). Default maximum
///   0.25 as data-juicer's `special_characters_filter` (which counts its own fixed character set; Winnow
///   counts by Unicode category — see the README).
public final class CharacterRatioFilter: DocumentStep {
    public let name: String
    let annotation: String
    let bounds: RatioBounds
    let ascii: @Sendable (UInt32) -> Bool
    let other: @Sendable (Unicode.Scalar) -> Bool

    init(name: String, annotation: String, bounds: RatioBounds, ascii: @escaping @Sendable (UInt32) -> Bool,
         other: @escaping @Sendable (Unicode.Scalar) -> Bool) {
        self.name = name; self.annotation = annotation; self.bounds = bounds; self.ascii = ascii; self.other = other
    }

    static func descriptor(type: String, what: String, summary: String, defaults: RatioBounds,
                           ascii: @escaping @Sendable (UInt32) -> Bool, other: @escaping @Sendable (Unicode.Scalar) -> Bool) -> StepDescriptor {
        StepDescriptor(
            type: type, kind: .document, summary: summary,
            parameters: RatioBounds.schema(minDefault: defaults.minRatio, maxDefault: defaults.maxRatio, what: what),
            required: [], codingKeys: RatioBounds.CodingKeys.allCases.map(\.stringValue),
            build: { spec, _ in
                .document(CharacterRatioFilter(name: spec.effectiveName, annotation: type,
                                               bounds: try RatioBounds.decode(spec, defaults: defaults), ascii: ascii, other: other))
            },
            decodeParameters: { json in try RatioBounds.decode(json.decode(StepSpec.self), defaults: defaults) })
    }

    // data-juicer alphanumeric_filter: min_ratio 0.25, max_ratio unbounded.
    static let alphaRatio = descriptor(
        type: "alpha_ratio", what: "share of letters and digits",
        summary: "Drops documents whose share of letters and digits (any script) is outside min_ratio…max_ratio (reasons: alpha_ratio_low, alpha_ratio_high).",
        defaults: RatioBounds(min: 0.25, max: 1.0),
        ascii: { b in (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) },
        other: { $0.isAlphanumeric })

    // data-juicer special_characters_filter: min_ratio 0.0, max_ratio 0.25.
    static let symbolRatio = descriptor(
        type: "symbol_ratio", what: "share of punctuation and symbols",
        summary: "Drops documents whose share of punctuation and symbols (Unicode P*, S*) is outside min_ratio…max_ratio (reasons: symbol_ratio_low, symbol_ratio_high).",
        defaults: RatioBounds(min: 0.0, max: 0.25),
        // ASCII punctuation and symbols: !"#$%&'()*+,-./ :;<=>?@ [\]^_` {|}~
        ascii: { b in (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40) || (b >= 0x5B && b <= 0x60) || (b >= 0x7B && b <= 0x7E) },
        other: { $0.isPunctuationOrSymbol })

    public func apply(_ doc: inout Document) -> StepResult {
        var total = 0, matching = 0
        for u in doc.text.unicodeScalars {
            total += 1
            if u.value < 0x80 ? ascii(u.value) : other(u) { matching += 1 }
        }
        return bounds.decide(matching: matching, total: total, name: annotation, doc: &doc)
    }
}
