import XCTest
@testable import Winnow

final class URLFilterTests: XCTestCase {
    private func step(_ test: XCTestCase, _ extra: String = "") throws -> DocumentStep {
        let dir = try makeTempDir(test)
        try writeFile("\(dir)/l/domains.txt", "# blocked hosts\nexample.com\nwww.blocked.org\nbbc.co.uk\n")
        try writeFile("\(dir)/l/urls.txt", "https://site.net/exact/page\n")
        try writeFile("\(dir)/l/banned.txt", "casino\n")
        try writeFile("\(dir)/l/soft.txt", "free\nbonus\nWin\n")
        try writeFile("\(dir)/l/sub.txt", "spammy\n")
        let json = #"{"type": "url_filter", "domains": ["l/domains.txt"], "urls": ["l/urls.txt"], "banned_words": ["l/banned.txt"], "soft_banned_words": ["l/soft.txt"], "banned_subwords": ["l/sub.txt"]\#(extra)}"#
        guard case .document(let s) = try StepRegistry.build(try JSONParser.parse(json).decode(StepSpec.self), context: StepContext(baseDir: dir)) else { fatalError() }
        return s
    }

    /// Expected results are datatrove 0.10.1 URLFilter's on the same lists (use_integrated_lists=False).
    func testDecisionsMatchDatatrove() throws {
        let s = try step(self)
        let expected: [(String, StepResult)] = [
            ("https://example.com/a", .drop(reason: "domain")),
            ("http://news.example.com/x", .drop(reason: "domain")),
            ("https://www.blocked.org/", .drop(reason: "subdomain")),
            ("https://blocked.org/", .keep),
            ("https://news.bbc.co.uk/story", .drop(reason: "domain")),
            ("https://site.net/exact/page", .drop(reason: "url")),
            ("https://site.net/exact/page/", .keep),
            ("https://x.org/casino-night", .drop(reason: "hard_blacklisted")),
            ("https://x.org/Casino", .keep),                      // URL words keep their case, as datatrove splits them
            ("https://x.org/free-bonus", .drop(reason: "soft_blacklisted")),
            ("https://x.org/free-stuff", .keep),
            ("https://x.org/win-free-bonus", .drop(reason: "soft_blacklisted")),
            ("https://x.org/superSPAMMYpage", .drop(reason: "blacklisted_subword")),
            ("https://ok.org/page?q=1", .keep),
        ]
        for (url, result) in expected {
            var meta = [UInt8]()
            JSONEscape.appendQuoted(url, to: &meta)
            var doc = Document(id: url, text: "t", source: "s", metadata: Array(#"{"url":"#.utf8) + meta + [UInt8(ascii: "}")])
            XCTAssertEqual(s.apply(&doc), result, url)
        }
    }

    func testHostParsingAndMissingURLs() throws {
        XCTAssertEqual(URLFilter.host("https://user:pw@Sub.Example.COM:8080/x?y#z"), "sub.example.com")
        XCTAssertEqual(URLFilter.host("//cdn.example.org/a"), "cdn.example.org")
        XCTAssertEqual(URLFilter.host("example.net/path"), "example.net")
        XCTAssertNil(URLFilter.host("http://[::1]/x"))
        var noURL = Document(id: "1", text: "t", source: "s")
        XCTAssertEqual(try step(self).apply(&noURL), .keep)
        XCTAssertEqual(noURL.annotations["url_missing"], .bool(true))
        var again = Document(id: "1", text: "t", source: "s", metadata: Array(#"{"link":"https://example.com"}"#.utf8))
        XCTAssertEqual(try step(self, #", "missing_url": "drop""#).apply(&again), .drop(reason: "missing_url"))
        var other = Document(id: "1", text: "t", source: "s", metadata: Array(#"{"link":"https://example.com"}"#.utf8))
        XCTAssertEqual(try step(self, #", "url_field": "link""#).apply(&other), .drop(reason: "domain"))
    }
}
