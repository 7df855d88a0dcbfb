import Foundation

/// `language`: identifies each document's language with a fastText model (default `models/lid.176.ftz`, which
/// `make setup` installs; GlotLID or any other fastText classifier through `model`), annotates `language` and
/// `language_score` on every document, and keeps those in `keep` whose score is above `min_score` — datatrove's
/// `LanguageFilter`: the whole text with newlines as spaces, kept when any kept language scores above the
/// threshold (with no `keep` list: when the top language does).
///
/// ```json
/// { "type": "language", "keep": ["pt", "en"], "min_score": 0.65 }
/// ```
public final class LanguageID: DocumentStep {
    struct Rule: Sendable { var keep: Set<String>; var minScore: Double }

    public let name: String
    let model: FastTextModel
    let rule: Rule
    let perSource: [String: Rule]
    let annotateOnly: Bool
    let labelMap: [String: String]
    let paragraphs: Bool
    /// Per-language `min_score` (the user's `by_language`, or FineWeb-2's GlotLID thresholds), with the standard's
    /// name for the `thresholds` annotation; nil when the step has neither (no annotation then).
    let perLanguage: [String: (label: String, minScore: Double)]?

    struct Parameters: StepParameters {
        /// One source's override of `keep` and `min_score`.
        struct Override: Codable, Sendable {
            var keep: [String]?
            var minScore: Double?
            enum CodingKeys: String, CodingKey, CaseIterable { case keep, minScore = "min_score" }
        }
        /// One language's override.
        struct LanguageOverride: Codable, Sendable {
            var minScore: Double?
            enum CodingKeys: String, CodingKey, CaseIterable { case minScore = "min_score" }
        }
        @Param("model", Schema.string("fastText classifier file, relative to the spec (then to the working directory).", minLength: 1))
        var model = "models/lid.176.ftz"
        @Param("keep", Schema.array("Language codes to keep (after label_map); empty: every language whose score passes min_score.",
                                    items: Schema.string("A language code as the model names it without __label__ (lid.176: `en`, `pt`; GlotLID: `por_Latn`).", minLength: 1),
                                    uniqueItems: true))
        var keep: [String] = []
        // datatrove LanguageFilter: language_threshold = 0.65.
        @Param("min_score", Schema.number("A document is kept when a kept language's probability is above this.", minimum: 0, maximum: 1))
        var minScore = 0.65
        @Param("annotate_only", Schema.boolean("Only annotate language and language_score; drop nothing."))
        var annotateOnly = false
        @Param("label_map", Schema.map("Renames labels after __label__ is stripped, e.g. GlotLID's {\"por_Latn\": \"pt\"}; unlisted labels stay as given.",
                                       value: Schema.string("The code to use instead.", minLength: 1), keyPattern: ".+", minProperties: 0))
        var labelMap: [String: String] = [:]
        @Param("mode", Schema.string("document: the whole text at once (as datatrove and dolma do); paragraphs: each blank-line-separated paragraph, then a vote weighted by characters.",
                                     enumeration: ["document", "paragraphs"]))
        var mode = "document"
        @Param("sources", Schema.map("Per-source overrides of keep and min_score, by source name.",
                                     value: Schema.object("Override for one source.", properties: [
                                         ("keep", Schema.array("Language codes to keep for this source.", items: Schema.string("A language code.", minLength: 1), uniqueItems: true)),
                                         ("min_score", Schema.number("Threshold for this source.", minimum: 0, maximum: 1)),
                                     ]), keyPattern: ".+", minProperties: 0))
        var sources: [String: Override] = [:]
        @Param("thresholds", Schema.string("default: min_score for every language; fineweb2: FineWeb-2's per-language language_score thresholds — GlotLID probabilities, so they apply only with a GlotLID model (labels like por_Latn); with lid.176 min_score stands (annotation `default`).", enumeration: ["default", "fineweb2"]))
        var thresholds = "default"
        @Param("by_language", Schema.map("Your own min_score per language code (after label_map); wins over FineWeb-2's.",
                                         value: Schema.object("Settings for one language.", properties: [
                                             ("min_score", Schema.number("Threshold for documents identified as this language.", minimum: 0, maximum: 1)),
                                         ]), keyPattern: ".+", minProperties: 0))
        var byLanguage: [String: LanguageOverride] = [:]
        init() {}
    }

    static let descriptor = StepDescriptor(
        type: "language", kind: .document,
        summary: "Identifies the language with a fastText model, annotates language and language_score, keeps the listed languages (reasons: language_not_kept, language_low_score).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            let model = try FastTextModels.load(p.model, context: context, pointer: "/model")
            // Every label to keep must be one the model can answer (after label_map): "por" is not lid.176's "pt".
            let known = Set(model.labels.map { l in let bare = FastTextModels.stripPrefix(l); return p.labelMap[bare] ?? bare })
            func check(_ labels: [String], _ pointer: String) throws {
                for (k, label) in labels.enumerated() where !known.contains(label) {
                    var message = "\"\(label)\" is not a label of \(p.model)"
                    let alpha2 = Locale.LanguageCode(label).identifier(.alpha2)
                    if let alpha2, known.contains(alpha2) { message += " (did you mean \"\(alpha2)\"? the model uses ISO 639-1 codes)" }
                    else if let near = known.first(where: { $0.hasPrefix(label + "_") || $0.hasPrefix(label + "-") }) { message += " (did you mean \"\(near)\"?)" }
                    let sorted = known.sorted()
                    message += "; its \(sorted.count) labels: \(sorted.prefix(40).joined(separator: ", "))\(sorted.count > 40 ? ", …" : "")"
                    throw StepBuildError("\(pointer)/\(k)", message)
                }
            }
            try check(p.keep, "/keep")
            for (source, o) in p.sources.sorted(by: { $0.key < $1.key }) { try check(o.keep ?? [], "/sources/\(source)/keep") }
            let base = Rule(keep: Set(p.keep), minScore: p.minScore)
            var perSource: [String: Rule] = [:]
            for (source, o) in p.sources { perSource[source] = Rule(keep: o.keep.map(Set.init) ?? base.keep, minScore: o.minScore ?? base.minScore) }
            var perLanguage: [String: (label: String, minScore: Double)]? = nil
            if p.thresholds == "fineweb2" || !p.byLanguage.isEmpty {
                var table: [String: (label: String, minScore: Double)] = [:]
                // FineWeb-2's language_score thresholds are GlotLID's: only a model whose labels are GlotLID's
                // (iso3_Script) gets them, each under the code the step annotates.
                if p.thresholds == "fineweb2" {
                    for label in model.labels.map(FastTextModels.stripPrefix) where label.contains("_") {
                        if let e = FineWeb2.entries[label], e.config == label, case .number(let s)? = e.values["language_score"] {
                            table[p.labelMap[label] ?? label] = ("fineweb2:\(label)", s)
                        }
                    }
                }
                for (language, o) in p.byLanguage { table[language] = ("user:\(language)", o.minScore ?? table[language]?.minScore ?? base.minScore) }
                perLanguage = table
            }
            return .document(LanguageID(name: spec.effectiveName, model: model, rule: base, perSource: perSource,
                                        annotateOnly: p.annotateOnly, labelMap: p.labelMap, paragraphs: p.mode == "paragraphs",
                                        perLanguage: perLanguage))
        })

    init(name: String, model: FastTextModel, rule: Rule, perSource: [String: Rule], annotateOnly: Bool, labelMap: [String: String], paragraphs: Bool,
         perLanguage: [String: (label: String, minScore: Double)]? = nil) {
        self.name = name; self.model = model; self.rule = rule; self.perSource = perSource
        self.annotateOnly = annotateOnly; self.labelMap = labelMap; self.paragraphs = paragraphs; self.perLanguage = perLanguage
    }

    /// The threshold for language `code` under rule `r`.
    func minScore(_ code: String, _ r: Rule) -> Double { perLanguage?[code]?.minScore ?? r.minScore }

    func code(_ label: String) -> String {
        let bare = FastTextModels.stripPrefix(label)
        return labelMap[bare] ?? bare
    }

    /// Every label's score for one piece of text (labels fastText does not report score 0).
    func scores(_ text: String, all: Bool) -> [(code: String, score: Double)] {
        FastTextModels.predict(model, text, k: all ? -1 : 1).map { (code($0.label), Double($0.probability)) }
    }

    public func apply(_ doc: inout Document) -> StepResult {
        let r = perSource[doc.source] ?? rule
        let needAll = !annotateOnly && !r.keep.isEmpty
        var best: (code: String, score: Double)? = nil
        var kept = false                    // a kept language scores above its threshold
        if paragraphs {
            // Each paragraph's top language, weighted by its characters; the winner's score is the
            // character-weighted mean of its paragraphs' scores.
            var weight: [String: Double] = [:], scoreSum: [String: Double] = [:]
            for para in Self.paragraphs(doc.text) {
                guard let top = scores(String(para), all: false).first else { continue }
                let w = Double(para.unicodeScalars.count)
                weight[top.code, default: 0] += w
                scoreSum[top.code, default: 0] += w * top.score
            }
            if let (c, w) = weight.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) {
                best = (c, scoreSum[c]! / w)
                kept = r.keep.contains(c) && best!.score > minScore(c, r)
            }
        } else {
            let all = scores(doc.text, all: needAll)
            best = all.first
            kept = all.contains { r.keep.contains($0.code) && $0.score > minScore($0.code, r) }
        }
        guard let best else {
            doc.annotations["language"] = .string("unknown")
            doc.annotations["language_score"] = .number(0)
            return annotateOnly ? .keep : .drop(reason: r.keep.isEmpty ? "language_low_score" : "language_not_kept")
        }
        doc.annotations["language"] = .string(best.code)
        doc.annotations["language_score"] = .number(best.score)
        if let perLanguage { doc.annotations["thresholds"] = .string(perLanguage[best.code]?.label ?? "default") }
        if annotateOnly { return .keep }
        if r.keep.isEmpty { return best.score > minScore(best.code, r) ? .keep : .drop(reason: "language_low_score") }
        if kept { return .keep }
        return .drop(reason: r.keep.contains(best.code) ? "language_low_score" : "language_not_kept")
    }

    /// Paragraphs: runs of lines separated by blank (whitespace-only) lines.
    static func paragraphs(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var start: String.Index? = nil, end = text.startIndex
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if let s = start { out.append(text[s..<end]); start = nil }
            } else {
                if start == nil { start = line.startIndex }
                end = line.endIndex
            }
        }
        if let s = start { out.append(text[s..<end]) }
        return out
    }
}
