/// Shared shape of the character-ratio filters: a ratio of matching scalars to all scalars, kept when it
/// lies in `min_ratio…max_ratio`, stored as an annotation named after the step type.
struct RatioBounds: Sendable {
    var minRatio: Double
    var maxRatio: Double

    init(min: Double, max: Double) { minRatio = min; maxRatio = max }

    /// The decision for `matching` of `total` scalars (an empty text has ratio 0).
    func decide(matching: Int, total: Int, name: String, doc: inout Document) -> StepResult {
        let ratio = total == 0 ? 0 : Double(matching) / Double(total)
        doc.annotations[name] = .number(ratio)
        if ratio < minRatio { return .drop(reason: "\(name)_low") }
        if ratio > maxRatio { return .drop(reason: "\(name)_high") }
        return .keep
    }
}

/// The parameters of a character-ratio filter (each filter declares its own defaults and wording).
protocol RatioParameters: StepParameters {
    var minRatio: Double { get }
    var maxRatio: Double { get }
}

/// `alpha_ratio`'s parameters: data-juicer alphanumeric_filter's min_ratio 0.25, max_ratio unbounded.
struct AlphaRatioParameters: RatioParameters {
    @Param("min_ratio", Schema.number("Drop documents whose share of letters and digits is below this.", minimum: 0, maximum: 1))
    var minRatio = 0.25
    @Param("max_ratio", Schema.number("Drop documents whose share of letters and digits is above this.", minimum: 0, maximum: 1))
    var maxRatio = 1.0
    init() {}
}

/// `symbol_ratio`'s parameters: data-juicer special_characters_filter's min_ratio 0.0, max_ratio 0.25.
struct SymbolRatioParameters: RatioParameters {
    @Param("min_ratio", Schema.number("Drop documents whose share of punctuation and symbols is below this.", minimum: 0, maximum: 1))
    var minRatio = 0.0
    @Param("max_ratio", Schema.number("Drop documents whose share of punctuation and symbols is above this.", minimum: 0, maximum: 1))
    var maxRatio = 0.25
    init() {}
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

    static func descriptor<P: RatioParameters>(type: String, summary: String, parameters: P.Type,
                                               ascii: @escaping @Sendable (UInt32) -> Bool, other: @escaping @Sendable (Unicode.Scalar) -> Bool) -> StepDescriptor {
        StepDescriptor(
            type: type, kind: .document, summary: summary, parameters: P.self,
            build: { spec, _ in
                let p = try spec.decodeParameters(P.self)
                return .document(CharacterRatioFilter(name: spec.effectiveName, annotation: type, bounds: RatioBounds(min: p.minRatio, max: p.maxRatio),
                                                      ascii: ascii, other: other))
            })
    }

    static let alphaRatio = descriptor(
        type: "alpha_ratio",
        summary: "Drops documents whose share of letters and digits (any script) is outside min_ratio…max_ratio (reasons: alpha_ratio_low, alpha_ratio_high).",
        parameters: AlphaRatioParameters.self,
        ascii: { b in (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) },
        other: { $0.isAlphanumeric })

    static let symbolRatio = descriptor(
        type: "symbol_ratio",
        summary: "Drops documents whose share of punctuation and symbols (Unicode P*, S*) is outside min_ratio…max_ratio (reasons: symbol_ratio_low, symbol_ratio_high).",
        parameters: SymbolRatioParameters.self,
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
