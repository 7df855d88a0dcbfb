/// The public-suffix list (publicsuffix.org's `public_suffix_list.dat` format), ICANN section only — what
/// tldextract uses by default, so `url_filter` finds the same registered domain as datatrove's `URLFilter`.
/// Rules are plain (`co.uk`), wildcard (`*.ck`) or exceptions (`!www.ck`); a host whose last label matches
/// no rule has no public suffix and so no registered domain (tldextract's behaviour, not the PSL's `*`).
struct PublicSuffixList: Sendable {
    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []

    init(lines: [Substring]) {
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.contains("===BEGIN PRIVATE DOMAINS===") { break }
            if line.isEmpty || line.hasPrefix("//") { continue }
            let rule = String(line.split(separator: " ").first ?? "").lowercased()
            if rule.hasPrefix("!") { exceptions.insert(String(rule.dropFirst())) }
            else if rule.hasPrefix("*.") { wildcards.insert(String(rule.dropFirst(2))) }
            else { rules.insert(rule) }
        }
    }

    /// The registered domain (public suffix plus one label) of a lower-cased host, or nil when the host
    /// is itself a public suffix or has none.
    func registeredDomain(_ host: String) -> String? {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        var suffixCount = 0
        for i in labels.indices {
            let candidate = labels[i...].joined(separator: ".")
            if exceptions.contains(candidate) { suffixCount = labels.count - i - 1; break }
            if rules.contains(candidate) { suffixCount = labels.count - i; break }
            if i + 1 < labels.count, wildcards.contains(labels[(i + 1)...].joined(separator: ".")) {
                suffixCount = labels.count - i; break
            }
        }
        guard suffixCount > 0, suffixCount < labels.count, !labels[labels.count - suffixCount - 1].isEmpty else { return nil }
        return labels.suffix(suffixCount + 1).joined(separator: ".")
    }
}
