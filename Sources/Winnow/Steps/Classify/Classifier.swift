import Foundation

/// `classifier`: scores documents with any fastText classifier (a DCLM- or FineWeb-Edu-style quality model, a
/// topic or toxicity model you trained) and stores the probability of `label` as an annotation, so it can drive
/// a filter here (`min_score`, `max_score`), or the mixture and curriculum later. Text goes in as datatrove's
/// fastText filters pass it: newlines as spaces.
///
/// ```json
/// { "type": "classifier", "name": "dclm", "model": "models/dclm.bin", "label": "__label__hq", "min_score": 0.018 }
/// ```
public final class FastTextClassifier: DocumentStep {
    public let name: String
    let model: FastTextModel
    let label: String?
    let annotation: String
    let minScore: Double?
    let maxScore: Double?
    let annotateOnly: Bool

    struct Parameters: StepParameters {
        @Param("model", Schema.string("fastText classifier file (.bin or .ftz), relative to the spec (then to the working directory).", minLength: 1), required: true)
        var model: String = ""
        @Param("label", Schema.string("The label whose probability is the score, with or without __label__; absent: the top label's probability, and its name is annotated too.", minLength: 1))
        var label: String? = nil
        @Param("annotation", Schema.string("Annotation key for the score; default: the step's name followed by _score.", minLength: 1))
        var annotation: String? = nil
        @Param("min_score", Schema.number("Drop documents scoring below this.", minimum: 0, maximum: 1))
        var minScore: Double? = nil
        @Param("max_score", Schema.number("Drop documents scoring above this.", minimum: 0, maximum: 1))
        var maxScore: Double? = nil
        @Param("annotate_only", Schema.boolean("Only annotate; drop nothing even with min_score or max_score."))
        var annotateOnly = false
        init() {}
    }

    static let descriptor = StepDescriptor(
        type: "classifier", kind: .document,
        summary: "Scores documents with a fastText classifier and annotates the probability of a label; optionally keeps a score range (reasons: below_min_score, above_max_score).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            let model = try FastTextModels.load(p.model, context: context, pointer: "/model")
            var label = p.label
            if let l = label, !l.hasPrefix("__label__") { label = "__label__" + l }
            if let l = label, !model.labels.contains(l) {
                throw StepBuildError("/label", "\(model.path) has no label \"\(l)\" (it has: \(model.labels.prefix(20).joined(separator: ", "))\(model.labels.count > 20 ? ", …" : ""))")
            }
            let name = spec.effectiveName
            return .document(FastTextClassifier(name: name, model: model, label: label, annotation: p.annotation ?? "\(name)_score",
                                                minScore: p.minScore, maxScore: p.maxScore, annotateOnly: p.annotateOnly))
        })

    init(name: String, model: FastTextModel, label: String?, annotation: String, minScore: Double?, maxScore: Double?, annotateOnly: Bool) {
        self.name = name; self.model = model; self.label = label; self.annotation = annotation
        self.minScore = minScore; self.maxScore = maxScore; self.annotateOnly = annotateOnly
    }

    public func apply(_ doc: inout Document) -> StepResult {
        let score: Double
        if let label {
            // Every label (fastText leaves out those below 1e-5 in hierarchical softmax: they score 0).
            score = Double(FastTextModels.predict(model, doc.text, k: -1).first { $0.label == label }?.probability ?? 0)
        } else {
            let top = FastTextModels.predict(model, doc.text, k: 1).first
            score = Double(top?.probability ?? 0)
            doc.annotations["\(annotation)_label"] = .string(FastTextModels.stripPrefix(top?.label ?? ""))
        }
        doc.annotations[annotation] = .number(score)
        if annotateOnly { return .keep }
        if let m = minScore, score < m { return .drop(reason: "below_min_score") }
        if let m = maxScore, score > m { return .drop(reason: "above_max_score") }
        return .keep
    }
}
