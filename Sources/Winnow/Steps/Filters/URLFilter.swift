import Foundation

/// `url_filter`: drops documents by their URL (a metadata field), with datatrove `URLFilter`'s rules and
/// reason names, on block lists the spec names (Winnow ships none):
/// 1. `domains`: the host or one of its parent domains is listed → `domain` (`subdomain` when only the
///    full host of three or more labels is listed);
/// 2. `urls`: the exact URL is listed → `url`;
/// 3. `banned_words`: a word of the URL (runs of ASCII letters and digits, case kept, as datatrove splits
///    it) is listed → `hard_blacklisted`;
/// 4. `soft_banned_words`: at least `soft_word_threshold` listed words in the URL → `soft_blacklisted`;
/// 5. `banned_subwords`: a listed string occurs in the URL with everything but ASCII letters and digits
///    removed, lower-cased → `blacklisted_subword`.
/// Word lists are normalised like the URL (non-alphanumerics removed, lower-cased); `#` lines are comments.
/// With `public_suffix_list` (a PSL file, e.g. Debian's `/usr/share/publicsuffix/public_suffix_list.dat`) the
/// domain rules are datatrove's exactly: `domain` when the registered domain is listed, `subdomain` when the
/// full host is. Without one, "registered domain" is approximated by every parent domain of the host.
public final class URLFilter: DocumentStep {
    public let name: String
    let urlField: String
    let domains: Set<String>
    let urls: Set<String>
    let bannedWords: Set<String>
    let softWords: Set<String>
    let softThreshold: Int
    let subwords: [String]
    let dropMissing: Bool
    let suffixes: PublicSuffixList?

    struct Parameters: StepParameters {
        @Param("url_field", Schema.string("Input metadata field holding the URL.", minLength: 1))
        var urlField = "url"
        @Param("domains", files("blocked domains (a listed domain blocks its subdomains too)"))
        var domains: [String] = []
        @Param("urls", files("blocked URLs (exact match)"))
        var urls: [String] = []
        @Param("banned_words", files("words that block a URL containing any of them"))
        var bannedWords: [String] = []
        @Param("soft_banned_words", files("words that block a URL containing soft_word_threshold of them"))
        var softBannedWords: [String] = []
        @Param("banned_subwords", files("strings that block a URL containing them anywhere"))
        var bannedSubwords: [String] = []
        @Param("soft_word_threshold", Schema.integer("How many soft-banned words block a URL.", minimum: 1))
        var softWordThreshold = 2
        @Param("missing_url", Schema.string("A document without a URL: keep it, or drop it (reason missing_url).", enumeration: ["keep", "drop"]))
        var missingURL = "keep"
        @Param("public_suffix_list", Schema.string("A public-suffix list file (publicsuffix.org format, ICANN section used) for datatrove's registered-domain rule; empty: every parent domain of the host counts."))
        var publicSuffixList = ""
        init() {}
    }

    static func files(_ what: String) -> JSONValue {
        Schema.array("Files listing \(what), one per line (`#` starts a comment), relative to the spec.",
                     items: Schema.string("A list file.", minLength: 1), default: .array([]))
    }

    static let descriptor = StepDescriptor(
        type: "url_filter", kind: .document,
        summary: "Drops documents whose URL is on block lists of domains, URLs and words (reasons as datatrove: domain, subdomain, url, hard_blacklisted, soft_blacklisted, blacklisted_subword).",
        parameters: Parameters.self,
        build: { spec, context in
            let p = try spec.decodeParameters(Parameters.self)
            func load(_ key: String, _ paths: [String], normalize: Bool) throws -> [String] {
                var out: [String] = []
                for (i, path) in paths.enumerated() {
                    for line in try context.listEntries(path, pointer: "/\(key)/\(i)", comments: true) {
                        let entry = normalize ? URLFilter.normalize(String(line)) : line.trimmingCharacters(in: .whitespaces)
                        if !entry.isEmpty { out.append(entry) }
                    }
                }
                return out
            }
            return .document(URLFilter(
                name: spec.effectiveName, urlField: p.urlField,
                domains: Set(try load("domains", p.domains, normalize: false).map { $0.lowercased() }),
                urls: Set(try load("urls", p.urls, normalize: false)),
                bannedWords: Set(try load("banned_words", p.bannedWords, normalize: true)),
                softWords: Set(try load("soft_banned_words", p.softBannedWords, normalize: true)),
                softThreshold: p.softWordThreshold,
                subwords: Array(Set(try load("banned_subwords", p.bannedSubwords, normalize: true))).sorted(),
                dropMissing: p.missingURL == "drop",
                suffixes: p.publicSuffixList.isEmpty ? nil
                    : PublicSuffixList(lines: try context.listEntries(p.publicSuffixList, pointer: "/public_suffix_list", comments: false))))
        })

    init(name: String, urlField: String, domains: Set<String>, urls: Set<String>, bannedWords: Set<String>,
         softWords: Set<String>, softThreshold: Int, subwords: [String], dropMissing: Bool, suffixes: PublicSuffixList? = nil) {
        self.name = name
        self.urlField = urlField
        self.domains = domains
        self.urls = urls
        self.bannedWords = bannedWords
        self.softWords = softWords
        self.softThreshold = softThreshold
        self.subwords = subwords
        self.dropMissing = dropMissing
        self.suffixes = suffixes
    }

    /// Everything but ASCII letters and digits removed, lower-cased (datatrove's `normalize`).
    static func normalize(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.filter { $0.isASCIIAlnum })).lowercased()
    }

    /// Runs of ASCII letters and digits, case kept (datatrove's `normalizer.split`).
    static func words(_ url: String) -> Set<String> {
        Set(url.unicodeScalars.split { !$0.isASCIIAlnum }.map { String(String.UnicodeScalarView($0)) })
    }

    /// The host of a URL, lower-cased, without user info or port.
    static func host(_ url: String) -> String? {
        var rest = Substring(url)
        if let r = rest.range(of: "://") { rest = rest[r.upperBound...] } else if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var host = authority.split(separator: "@").last.map(Substring.init) ?? authority
        if host.hasPrefix("[") { return nil }                          // IPv6 literal
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return h.isEmpty ? nil : h
    }

    public func apply(_ doc: inout Document) -> StepResult {
        guard let url = Self.url(of: doc, field: urlField) else {
            doc.annotations["url_missing"] = .bool(true)
            return dropMissing ? .drop(reason: "missing_url") : .keep
        }
        if let host = Self.host(url), !domains.isEmpty, let suffixes {
            if let registered = suffixes.registeredDomain(host) {
                if domains.contains(registered) { return .drop(reason: "domain") }
                if domains.contains(host) { return .drop(reason: "subdomain") }
            }
        } else if let host = Self.host(url), !domains.isEmpty {
            let labels = host.split(separator: ".")
            // Parent domains from the shortest with two labels up to the full host.
            for n in stride(from: min(2, labels.count), through: labels.count, by: 1) {
                let candidate = labels.suffix(n).joined(separator: ".")
                if domains.contains(candidate) {
                    return .drop(reason: n == labels.count && labels.count >= 3 ? "subdomain" : "domain")
                }
            }
        }
        if urls.contains(url) { return .drop(reason: "url") }
        if !bannedWords.isEmpty || !softWords.isEmpty {
            let words = Self.words(url)
            if !bannedWords.isDisjoint(with: words) { return .drop(reason: "hard_blacklisted") }
            if softWords.intersection(words).count >= softThreshold { return .drop(reason: "soft_blacklisted") }
        }
        if !subwords.isEmpty {
            let normalized = Self.normalize(url)
            if subwords.contains(where: { normalized.contains($0) }) { return .drop(reason: "blacklisted_subword") }
        }
        return .keep
    }

    static func url(of doc: Document, field: String) -> String? {
        guard !doc.metadata.isEmpty, let meta = try? JSONParser.parse(doc.metadata), let u = meta[field]?.stringValue, !u.isEmpty else { return nil }
        return u
    }
}

extension Unicode.Scalar {
    var isASCIIAlnum: Bool {
        let v = value
        return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
    }
}
