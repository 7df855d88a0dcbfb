import Foundation

/// `pii`: finds structured personal data with validated detectors (one per kind, under `PII/`) and replaces
/// each finding by a policy: `tag` (`<EMAIL>`), `mask` (one `*` per character), `hash` (a salted, stable
/// pseudonym `<EMAIL:1f3a9c02>` — the same value gives the same pseudonym wherever it occurs, so a corpus keeps
/// its structure) or `remove`. The text and, by default, every string value of the document's other fields
/// (`fields`: "all" or a list of top-level field names) are scrubbed the same way. Counts per kind are annotations
/// (`pii_email`, …, `pii_total`; `pii_field_<name>` counts the findings in one field); the values are never
/// written anywhere. `drop_document_over`: more findings than this drop the document (reason too_much_pii).
public final class PIIScrubber: DocumentStep {
    public enum Policy: String, Codable, Sendable, CaseIterable { case tag, mask, hash, remove }
    static let allKinds = ["email", "url_credentials", "phone", "ip", "credit_card", "iban", "us_ssn", "cpf", "cnpj", "secret", "address"]

    struct Parameters: StepParameters {
        @Param("kinds", Schema.array("Kinds to look for.", items: Schema.string("A kind.", enumeration: allKinds), uniqueItems: true))
        var kinds: [String] = PIIScrubber.allKinds
        @Param("policy", Schema.string("Replacement: tag (<EMAIL>), mask (*** of the same length), hash (salted stable pseudonym), remove.", enumeration: Policy.allCases.map(\.rawValue)))
        var policy = Policy.tag
        @Param("policies", Schema.map("Per-kind policy overrides, e.g. {\"email\": \"hash\"}.", value: Schema.string("A policy.", enumeration: Policy.allCases.map(\.rawValue)), keyPattern: "^(" + allKinds.joined(separator: "|") + ")$", minProperties: 0))
        var policies: [String: Policy] = [:]
        @Param("salt", Schema.string("Salt of the hash policy; empty: a random salt made once for the lineage file and kept beside it (<lineage>.pii-salt, mode 0600), so pseudonyms stay stable across runs but cannot be recomputed from a list of known values."))
        var salt = ""
        @Param("keep_private_ips", Schema.boolean("Leave private, loopback, link-local and documentation IP ranges alone."))
        var keepPrivateIPs = false
        @Param("drop_document_over", Schema.integer("Drop documents with more findings than this; 0: never.", minimum: 0))
        var dropDocumentOver = 0
        @Param("fields", Schema.anyOf("Fields besides the text to scrub: \"all\" (every string value of every other field, at any depth; numbers are left alone) or a list of top-level field names ([] scrubs the text only); findings per field are counted as pii_field_<name>.", [Schema.string("Every field.", enumeration: ["all"]),
                                     Schema.array("Top-level field names.", items: Schema.string("A field name."), uniqueItems: true)])) var fields: FieldSelection = .all
        init() {}
    }

    /// Which fields besides the text are scrubbed.
    enum FieldSelection: Sendable, Equatable, Codable {
        case all
        case named(Set<String>)
        /// `"all"` or a list of field names.
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let names = try? c.decode([String].self) { self = .named(Set(names)) } else { _ = try c.decode(String.self); self = .all }
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self { case .all: try c.encode("all"); case .named(let n): try c.encode(n.sorted()) }
        }
        func contains(_ field: String) -> Bool {
            switch self { case .all: return true; case .named(let n): return n.contains(field) }
        }
    }

    public let name: String
    let detectors: [PIIDetector]
    let fields: FieldSelection
    /// The hash policy's salt: given in the spec, or (`salt` empty) the output folder's generated salt, which the
    /// executor hands over before the first document (`usesGeneratedSalt`).
    private let saltBox: SaltBox
    let kinds: Set<String>
    let policy: Policy
    let policies: [String: Policy]
    let dropOver: Int
    var salt: String { saltBox.value }

    static let descriptor = StepDescriptor(
        type: "pii", kind: .document,
        summary: "Replaces validated personal data and secrets (email, url_credentials, phone, ip, credit_card, iban, us_ssn, cpf, cnpj, secret, address) by a policy; counts per kind as annotations, never the values (reason too_much_pii with drop_document_over).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            return .document(PIIScrubber(name: spec.effectiveName, kinds: Set(p.kinds), policy: p.policy, policies: p.policies,
                                         salt: p.salt.isEmpty ? nil : p.salt, keepPrivateIPs: p.keepPrivateIPs,
                                         dropOver: p.dropDocumentOver, fields: p.fields))
        })

    init(name: String = "pii", kinds: Set<String> = Set(allKinds), policy: Policy = .tag, policies: [String: Policy] = [:],
         salt: String? = "winnow-test", keepPrivateIPs: Bool = false, dropOver: Int = 0, fields: FieldSelection = .all) {
        self.name = name; self.kinds = kinds; self.policy = policy; self.policies = policies; self.dropOver = dropOver; self.fields = fields
        saltBox = SaltBox(salt)
        var d: [PIIDetector] = []
        if kinds.contains("url_credentials") { d.append(URLCredentialsDetector()) }
        if kinds.contains("secret") { d.append(SecretDetector()) }
        if kinds.contains("email") { d.append(EmailDetector()) }
        if kinds.contains("ip") { d.append(IPDetector(keepPrivate: keepPrivateIPs)) }
        if kinds.contains("phone") { d.append(PhoneDetector()) }
        if kinds.contains("address") { d.append(AddressDetector()) }
        if kinds.contains("credit_card") { d.append(CreditCardDetector()) }
        if kinds.contains("iban") { d.append(IBANDetector()) }
        if kinds.contains("us_ssn") { d.append(SSNDetector()) }
        if kinds.contains("cpf") || kinds.contains("cnpj") { d.append(CPFCNPJDetector()) }
        detectors = d
    }

    /// A scrubber for `winnow pii scan` (the kinds given, or all).
    public static func scanner(kinds: Set<String>? = nil, keepPrivateIPs: Bool = false) -> PIIScrubber {
        PIIScrubber(kinds: kinds ?? Set(allKinds), keepPrivateIPs: keepPrivateIPs)
    }

    /// What `winnow pii scan` prints: findings with offsets in Unicode scalars (end exclusive).
    public func scalarSpans(_ text: String) -> [(start: Int, end: Int, kind: String)] {
        // starts[i]: how many scalars begin before UTF-8 byte i (spans always begin and end on scalar boundaries).
        var starts = [Int](repeating: 0, count: text.utf8.count + 1)
        var c = 0, i = 0
        for b in text.utf8 { starts[i] = c; if b & 0xC0 != 0x80 { c += 1 }; i += 1 }
        starts[i] = c
        return spans(text).map { (starts[$0.start], starts[$0.end], $0.kind) }
    }

    /// The kinds the step knows.
    public static var kindNames: [String] { allKinds }

    /// Kinds found by shape and context alone: a finding of a checksummed or structurally exact kind (a CPF, an
    /// SSN, a card) that overlaps one of these wins, whatever its length.
    static let weakKinds: Set<String> = ["phone", "address"]

    /// Findings in the text, sorted, without overlaps (a validated kind over a weak one; then the earlier, then the
    /// longer, wins).
    func spans(_ text: String) -> [PIISpan] {
        var t = text
        var found: [PIISpan] = []
        t.withUTF8 { buf in
            let digits = DigitIndex(buf)
            for d in detectors { d.find(buf, digits: digits, into: &found) }
        }
        found = found.filter { kinds.contains($0.kind) }
        let strong = found.filter { !Self.weakKinds.contains($0.kind) }
        if strong.count < found.count && !strong.isEmpty {
            found = strong + found.filter { w in Self.weakKinds.contains(w.kind) && !strong.contains { $0.start < w.end && w.start < $0.end } }
        }
        found.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var out: [PIISpan] = []
        for s in found where out.last.map({ s.start >= $0.end }) ?? true { out.append(s) }
        return out
    }

    func replacement(_ value: Substring, kind: String) -> String {
        switch policies[kind] ?? policy {
        case .tag: return "<\(kind.uppercased())>"
        case .mask: return String(repeating: "*", count: value.unicodeScalars.count)
        case .remove: return ""
        case .hash:
            let digest = SHA256.hash(Array((salt + "\u{0}" + kind + "\u{0}" + value).utf8)).hex
            return "<\(kind.uppercased()):\(digest.prefix(8))>"
        }
    }

    /// Whether this step hashes with no salt in the spec: the executor then calls `useGeneratedSalt` first.
    public var usesGeneratedSalt: Bool {
        saltBox.isUnset && ((policy == .hash && kinds.contains { policies[$0] == nil }) || policies.values.contains(.hash))
    }

    /// Hands over the output folder's generated salt (see `usesGeneratedSalt`).
    public func useGeneratedSalt(_ salt: String) { saltBox.set(salt) }

    public func apply(_ doc: inout Document) -> StepResult {
        let found = spans(doc.text)
        var counts: [String: Int] = [:]
        for s in found { counts[s.kind, default: 0] += 1 }
        var total = found.count
        // Other fields: every string value under a selected top-level key, scrubbed with the same policies.
        var fieldCounts: [(String, Int)] = []
        if !doc.metadata.isEmpty && fields != .named([]) {
            let rewritten = JSONStringValues.rewrite(doc.metadata) { field, value in
                guard self.fields.contains(field) else { return nil }
                let hits = self.spans(value)
                guard !hits.isEmpty else { return nil }
                for h in hits { counts[h.kind, default: 0] += 1 }
                if let i = fieldCounts.firstIndex(where: { $0.0 == field }) { fieldCounts[i].1 += hits.count } else { fieldCounts.append((field, hits.count)) }
                total += hits.count
                return self.scrub(value, hits)
            }
            if let rewritten { doc.metadata = rewritten }
        }
        for k in PIIScrubber.allKinds where kinds.contains(k) { doc.annotations["pii_\(k)"] = .int(counts[k] ?? 0) }
        doc.annotations["pii_total"] = .int(total)
        for (field, n) in fieldCounts { doc.annotations["pii_field_\(field)"] = .int(n) }
        if dropOver > 0 && total > dropOver { return .drop(reason: "too_much_pii") }
        guard !found.isEmpty else { return .keep }
        doc.text = scrub(doc.text, found)
        return .keep
    }

    /// `text` with every finding replaced by its policy.
    func scrub(_ text: String, _ found: [PIISpan]) -> String {
        let u = text.utf8
        var out = ""
        var last = u.startIndex
        for s in found {
            let a = u.index(u.startIndex, offsetBy: s.start), b = u.index(u.startIndex, offsetBy: s.end)
            out += text[last..<a]
            out += replacement(text[a..<b], kind: s.kind)
            last = b
        }
        out += text[last...]
        return out
    }
}

/// The hash policy's salt, set once (from the spec, or by the executor before any document) and read by workers.
final class SaltBox: @unchecked Sendable {
    private let lock = NSLock()
    private var salt: String?
    init(_ salt: String?) { self.salt = salt }
    var isUnset: Bool { lock.lock(); defer { lock.unlock() }; return salt == nil }
    func set(_ s: String) { lock.lock(); salt = s; lock.unlock() }
    var value: String {
        lock.lock(); defer { lock.unlock() }
        guard let salt else { preconditionFailure("pii: the hash policy's generated salt was not handed over before the first document") }
        return salt
    }
}
