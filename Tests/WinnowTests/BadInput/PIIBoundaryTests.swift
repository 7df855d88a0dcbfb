import XCTest
@testable import Winnow

/// Issue 16, items 4 and 7–9: the `pii` step never eats neighbouring text, finds addresses next to the punctuation
/// and spaces of every script, scrubs metadata fields, matches version words whole, and salts hashes with a secret.
final class PIIBoundaryTests: XCTestCase {
    private func scrubbed(_ text: String, _ scrubber: PIIScrubber = PIIScrubber(kinds: ["email"])) -> String {
        var doc = Document(id: "1", text: text, source: "s")
        _ = scrubber.apply(&doc)
        return doc.text
    }

    private func emails(_ text: String) -> [String] {
        let u = Array(text.utf8)
        return PIIScrubber(kinds: ["email"]).spans(text).map { String(decoding: u[$0.start..<$0.end], as: UTF8.self) }
    }

    /// The cases of the field test, verbatim: text before and after an address survives.
    func testFieldTestCases() {
        XCTAssertEqual(scrubbed("请联系我们的客服邮箱：support@example.com 谢谢"), "请联系我们的客服邮箱：<EMAIL> 谢谢")
        XCTAssertEqual(scrubbed("Escreva para\u{a0}ana@example.org"), "Escreva para\u{a0}<EMAIL>")
        XCTAssertEqual(scrubbed("联系：support@example.com。"), "联系：<EMAIL>。")
    }

    /// Start, middle and end of a text, in scripts written without spaces and with non-ASCII punctuation.
    func testAddressesInManyScripts() {
        let cases: [(String, String)] = [
            // Chinese: full-width colon, ideographic full stop, brackets, no spaces at all.
            ("ana@example.com是我的邮箱", "<EMAIL>是我的邮箱"),
            ("请发邮件到ana@example.com或者打电话", "请发邮件到<EMAIL>或者打电话"),
            ("邮箱（ana@example.com）", "邮箱（<EMAIL>）"),
            ("「ana@example.com」", "「<EMAIL>」"),
            // Japanese: kana directly around the address, Japanese comma and quotes.
            ("メールはana@example.jpまで、お願いします", "メールは<EMAIL>まで、お願いします"),
            ("連絡先『ana@example.jp』です", "連絡先『<EMAIL>』です"),
            ("お問い合わせ：ana@example.jp", "お問い合わせ：<EMAIL>"),
            ("ana@example.jpへ送ってください。", "<EMAIL>へ送ってください。"),
            // Korean: particles follow the address without a space.
            ("문의는 support@example.kr으로 보내 주세요", "문의는 <EMAIL>으로 보내 주세요"),
            ("support@example.kr로 연락", "<EMAIL>로 연락"),
            // Thai: no spaces between words.
            ("ติดต่อเราที่support@example.co.thได้ทุกวัน", "ติดต่อเราที่<EMAIL>ได้ทุกวัน"),
            ("support@example.co.thคืออีเมลของเรา", "<EMAIL>คืออีเมลของเรา"),
            ("อีเมลของเราคือsupport@example.co.th", "อีเมลของเราคือ<EMAIL>"),
            // Arabic: Arabic comma and question mark after, the text before kept.
            ("راسلنا على info@example.com، شكرا", "راسلنا على <EMAIL>، شكرا"),
            ("هل وصلك بريد info@example.com؟", "هل وصلك بريد <EMAIL>؟"),
            ("info@example.com هو بريدنا", "<EMAIL> هو بريدنا"),
            // Russian: guillemets, em dash.
            ("Пишите: «ivan@example.ru» — ответим", "Пишите: «<EMAIL>» — ответим"),
            ("ivan@example.ru", "<EMAIL>"),
            ("Напишите на ivan@example.ru.", "Напишите на <EMAIL>."),
            // Portuguese: no-break space, narrow no-break space, ellipsis, accented words around.
            ("Contato:\u{202f}joão.silva@exemplo.com.br…", "Contato:\u{202f}<EMAIL>…"),
            ("Fale com a Conceição (conceicao@exemplo.pt).", "Fale com a Conceição (<EMAIL>)."),
            // Ideographic space and full-width at sign neighbours.
            ("邮箱\u{3000}ana@example.com\u{3000}谢谢", "邮箱\u{3000}<EMAIL>\u{3000}谢谢"),
        ]
        for (input, expected) in cases { XCTAssertEqual(scrubbed(input), expected, input) }
    }

    /// Internationalised addresses in scripts written with spaces are still whole addresses.
    func testInternationalisedAddressesStayWhole() {
        XCTAssertEqual(emails("Escreva a joão.conceição@exemplo.com.br hoje"), ["joão.conceição@exemplo.com.br"])
        XCTAssertEqual(emails("почта: иван@пример.com"), ["иван@пример.com"])
        XCTAssertEqual(emails("Γράψτε στο δοκιμή@example.gr σήμερα"), ["δοκιμή@example.gr"])
        XCTAssertEqual(emails("पता: राम@उदाहरण.com है"), ["राम@उदाहरण.com"])
    }

    /// Item 7: metadata fields are scrubbed by default, counted per field; `fields` narrows it; other bytes stay as written.
    func testMetadataFieldsAreScrubbed() {
        var doc = Document(id: "1", text: "Nothing personal here.", source: "s",
                           metadata: Array(#"{"author_email":"ana@example.org","cpf":"529.982.247-25","n":1.0,"big":12345678901234567890,"nested":{"who":["call +55 11 98765-4321"]},"title":"Olá"}"#.utf8))
        XCTAssertEqual(PIIScrubber().apply(&doc), .keep)
        let meta = String(decoding: doc.metadata, as: UTF8.self)
        XCTAssertEqual(meta, #"{"author_email":"<EMAIL>","cpf":"<CPF>","n":1.0,"big":12345678901234567890,"nested":{"who":["call <PHONE>"]},"title":"Olá"}"#)
        XCTAssertEqual(doc.annotations["pii_field_author_email"], .int(1))
        XCTAssertEqual(doc.annotations["pii_field_cpf"], .int(1))
        XCTAssertEqual(doc.annotations["pii_field_nested"], .int(1))
        XCTAssertEqual(doc.annotations["pii_total"], .int(3))
        XCTAssertEqual(doc.annotations["pii_email"], .int(1))

        var only = Document(id: "1", text: "x", source: "s", metadata: Array(#"{"author_email":"ana@example.org","cpf":"529.982.247-25"}"#.utf8))
        _ = PIIScrubber(fields: .named(["cpf"])).apply(&only)
        XCTAssertEqual(String(decoding: only.metadata, as: UTF8.self), #"{"author_email":"ana@example.org","cpf":"<CPF>"}"#)

        var none = Document(id: "1", text: "ana@example.org", source: "s", metadata: Array(#"{"author_email":"ana@example.org"}"#.utf8))
        _ = PIIScrubber(fields: .named([])).apply(&none)
        XCTAssertEqual(none.text, "<EMAIL>")
        XCTAssertEqual(String(decoding: none.metadata, as: UTF8.self), #"{"author_email":"ana@example.org"}"#)
    }

    /// Item 7 through a run: the metadata of kept documents reaches the shards scrubbed, and `fields` is a spec key.
    func testMetadataIsScrubbedInShards() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "A plain text.", extra: #", "author_email": "planted.author@example.com", "cpf": "529.982.247-25""#))
        try writeFile("\(dir)/spec.json", #"{"name": "p", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "steps": [{"type": "pii"}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        let shards = try shardText("\(dir)/out")
        XCTAssertFalse(shards.contains("planted.author@example.com"), shards)
        XCTAssertFalse(shards.contains("529.982.247-25"), shards)
        XCTAssertTrue(shards.contains(#""author_email":"<EMAIL>""#), shards)
        XCTAssertEqual(try lineageRows("\(dir)/out/lineage.db", "select json_extract(annotations, '$.pii_field_author_email') from documents"), [["1"]])
        try writeFile("\(dir)/bad.json", #"{"name": "p", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "steps": [{"type": "pii", "fields": "some"}], "output": {"dir": "out2"}}"#)
        XCTAssertThrowsError(try PipelineLoader.load("\(dir)/bad.json")) { XCTAssertTrue("\($0)".contains("/steps/0/fields"), "\($0)") }
    }

    /// Item 8: a version word protects a quad only as a whole word.
    func testVersionWordsMatchWholeWords() {
        let ip = PIIScrubber(kinds: ["ip"])
        for text in ["server 10.20.30.40", "resolver 1.1.1.1", "forever 81.2.69.160", "Subversion server at 81.2.69.160",
                     "the observer 81.2.69.160", "prebuild 81.2.69.160"] {
            XCTAssertEqual(ip.spans(text).count, 1, text)
        }
        for text in ["version 1.2.3.4", "Version: 1.2.3.4", "rev. 1.17.2.7", "Rev 1.17.2.7", "Section 6.2.4.3", "§ 6.2.4.3", "build 10.0.19041.1"] {
            XCTAssertEqual(ip.spans(text).count, 0, text)
        }
    }

    /// Item 9: with no salt, hashes use a random salt made once beside the lineage file (0600) and reused, so the
    /// pseudonym of a known address cannot be recomputed from the seed.
    func testGeneratedSaltIsSecretAndStable() throws {
        let dir = try makeTempDir(self)
        let address = "ana@example.org"
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "Write to \(address) today."))
        try writeFile("\(dir)/spec.json", #"{"name": "p", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "steps": [{"type": "pii", "policy": "hash"}], "output": {"dir": "out"}}"#)
        try runSpec("\(dir)/spec.json")
        let first = try shardText("\(dir)/out")
        let saltPath = "\(dir)/out/lineage.db.pii-salt"
        let attrs = try FileManager.default.attributesOfItem(atPath: saltPath)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let salt = try readText(saltPath).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(salt.count, 64)
        // The old default ("winnow-<seed>") no longer gives the pseudonym.
        let guessed = PIIScrubber(policy: .hash, salt: "winnow-0").replacement(Substring(address), kind: "email")
        XCTAssertFalse(first.contains(guessed), first)
        XCTAssertTrue(first.contains(PIIScrubber(policy: .hash, salt: salt).replacement(Substring(address), kind: "email")), first)
        // A new run of the same output (fresh) reuses the salt: the same pseudonyms.
        try runSpec("\(dir)/spec.json", fresh: true)
        XCTAssertEqual(try shardText("\(dir)/out"), first)
        // A salt in the spec wins and no file is needed for it.
        let explicit = PIIScrubber(policy: .hash, salt: "given")
        XCTAssertFalse(explicit.usesGeneratedSalt)
        XCTAssertTrue(PIIScrubber(policy: .hash, salt: nil).usesGeneratedSalt)
        XCTAssertFalse(PIIScrubber(policy: .tag, salt: nil).usesGeneratedSalt)
    }
}
