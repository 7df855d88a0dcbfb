import Foundation
import XCTest
@testable import Winnow

/// `html_extract` (issue 18, item 2) on pages written here, and end to end from the bundled WARC.
final class HTMLExtractTests: XCTestCase {
    static let page = """
        <!DOCTYPE html><html lang="pt-BR"><head><meta charset="utf-8"><title>Festa &amp; tradição</title>
        <meta name="description" content="A festa do bairro"><link rel="canonical" href="https://jornal.example/festa?a=1&amp;b=2">
        <script>var x = "<p>not text</p>";</script><style>p { color: red }</style></head>
        <body class="single has-sidebar">
        <div id="cookie-consent">Usamos cookies. <a href="/p">Saiba mais</a></div>
        <nav class="menu"><ul><li><a href="/">Início</a></li><li><a href="/n">Notícias</a></li></ul></nav>
        <main><article>
        <h1>Festa junina reúne o bairro</h1>
        <p>A festa junina do bairro reuniu centenas de famílias no sábado, com quadrilha, fogueira e barracas de comidas típicas como pamonha e quentão.
        <p>Segundo a organização, a arrecadação irá para a biblioteca comunitária, que atende crianças da região há mais de vinte anos &mdash; &#8220;uma tradição&#8221;, disse Maria &copy 2026.</p>
        <ul><li>Quadrilha às 18h, com música ao vivo e muitas danças típicas</li><li>Fogueira às 20h, na praça central do bairro, perto da igreja</li></ul>
        <table><tr><th>Barraca</th><th>Preço</th></tr><tr><td>Pamonha</td><td>R$ 8</td></tr></table>
        <p>今年の桜の開花は平年より五日早く、気象台は週末に満開を迎える見込みだと発表した。公園には多くの花見客が訪れている。</p>
        <div class="share-buttons"><a href="#">Facebook</a> <a href="#">WhatsApp</a></div>
        </article>
        <section id="comments"><p>Que festa linda, parabéns a todos os organizadores e voluntários do bairro!</p></section>
        </main>
        <aside class="sidebar"><a href="/a">Leia também: outra notícia qualquer</a></aside>
        <footer><p>© 2026 Jornal de Exemplo — Todos os direitos reservados.</p></footer>
        </body></html>
        """

    private func extract(_ html: String, _ params: String = "{}") throws -> (StepResult, Document) {
        guard case .object(var o) = try JSONParser.parse(params) else { throw CancellationError() }
        o["type"] = .string("html_extract")
        let step = try StepRegistry.build(try JSONValue.object(o).decode(StepSpec.self))
        guard case .document(let s) = step else { XCTFail("not a document step"); throw CancellationError() }
        var doc = Document(id: "p", text: html, source: "web")
        return (s.apply(&doc), doc)
    }

    func testMainTextWithoutBoilerplate() throws {
        let (result, doc) = try extract(Self.page)
        XCTAssertEqual(result, .keep)
        let t = doc.text
        for kept in ["Festa junina reúne o bairro", "A festa junina do bairro reuniu centenas de famílias no sábado",
                     "há mais de vinte anos — “uma tradição”, disse Maria © 2026.", "- Quadrilha às 18h", "Barraca | Preço", "Pamonha | R$ 8",
                     "今年の桜の開花は平年より五日早く"] {
            XCTAssertTrue(t.contains(kept), "\(kept) missing from:\n\(t)")
        }
        for gone in ["cookies", "Início", "Facebook", "Que festa linda", "Leia também", "Todos os direitos", "not text", "color: red"] {
            XCTAssertFalse(t.contains(gone), "\(gone) kept in:\n\(t)")
        }
        XCTAssertEqual(doc.annotations["title"], .string("Festa & tradição"))
        XCTAssertEqual(doc.annotations["html_lang"], .string("pt-BR"))
        XCTAssertEqual(doc.annotations["description"], .string("A festa do bairro"))
        XCTAssertEqual(doc.annotations["canonical_url"], .string("https://jornal.example/festa?a=1&b=2"))
        XCTAssertEqual(doc.annotations["html_bytes"], .int(Self.page.utf8.count))
        guard case .int(let chars)? = doc.annotations["text_chars"] else { return XCTFail("no text_chars") }
        XCTAssertGreaterThan(chars, 300); XCTAssertLessThanOrEqual(chars, t.unicodeScalars.count)
        guard case .number(let ratio)? = doc.annotations["boilerplate_ratio"] else { return XCTFail("no boilerplate_ratio") }
        XCTAssertGreaterThan(ratio, 0.1); XCTAssertLessThan(ratio, 0.6)
    }

    func testOptions() throws {
        let withComments = try extract(Self.page, #"{"include_comments": true}"#).1.text
        XCTAssertTrue(withComments.contains("Que festa linda"), withComments)
        let noTables = try extract(Self.page, #"{"include_tables": false}"#).1.text
        XCTAssertFalse(noTables.contains("Barraca"), noTables)
        // A page with only menus and a cookie banner has no main text.
        let (r, _) = try extract(#"<html><body><nav><a href="/">Home</a> <a href="/x">About</a></nav><div class="cookie-banner">We use cookies.</div></body></html>"#)
        XCTAssertEqual(r, .drop(reason: "no_main_text"))
        XCTAssertEqual(try extract(Self.page, #"{"min_extracted_chars": 100000}"#).0, .drop(reason: "no_main_text"))
        // Precision keeps no more than balanced, recall no less.
        let p = try extract(Self.page, #"{"favor": "precision"}"#).1.text.count, b = try extract(Self.page).1.text.count, rc = try extract(Self.page, #"{"favor": "recall"}"#).1.text.count
        XCTAssertLessThanOrEqual(p, b); XCTAssertLessThanOrEqual(b, rc)
    }

    /// What a browser's tokenizer tolerates: unclosed paragraphs, a second <head>, no <body>, uppercase tags, unquoted
    /// attributes, `<` in text, raw-text elements holding markup, an '&' that starts no reference.
    func testMalformedHTML() throws {
        let html = """
            <HTML><HEAD><TITLE>Old page</TITLE></HEAD><head><meta name=description content=x></head>
            <DIV CLASS=content><P>First paragraph of an old page, written long ago by hand, with a < sign & an ampersand &nosuchthing; in it.
            <P>Second paragraph, never closed either, long enough to count as content by every measure the extractor uses here.
            <SCRIPT>document.write("<p>hidden</p>")</SCRIPT><textarea><p>not shown</p></textarea>
            </DIV>
            """
        let (r, doc) = try extract(html)
        XCTAssertEqual(r, .keep)
        XCTAssertTrue(doc.text.contains("with a < sign & an ampersand &nosuchthing; in it."), doc.text)
        XCTAssertTrue(doc.text.contains("\nSecond paragraph"), doc.text)
        XCTAssertFalse(doc.text.contains("hidden") || doc.text.contains("not shown"), doc.text)
        XCTAssertEqual(doc.annotations["title"], .string("Old page"))
    }

    /// HTML5's head rules (a `<div>` or words in a never-closed head start the body), ruby annotations left out,
    /// NFC output, lead paragraphs in an article's header and a blog's `date-posts` wrapper kept, headings kept only
    /// when content follows them.
    func testHeadRubyNFCAndContainers() throws {
        let para = "Das Zentrum lud zur Gesprächsrunde ein; die Teilnehmenden sprachen darüber, wie Arbeitgeber in Zeiten des Fachkräftemangels genügend Personal finden."
        let noBody = try extract("<html><head><title>Lokal</title><meta charset=utf-8><div class=container><div class=content><p>\(para)</p><p>\(para)</p></div></div>")
        XCTAssertEqual(noBody.0, .keep)
        XCTAssertTrue(noBody.1.text.contains("Das Zentrum lud zur Gesprächsrunde ein"), noBody.1.text)
        XCTAssertEqual(noBody.1.annotations["title"], .string("Lokal"))
        let words = try extract("<html><head><title>t</title>\n\(para)\n<p>\(para)</p>")
        XCTAssertTrue(words.1.text.hasPrefix("Das Zentrum"), words.1.text)

        let ruby = try extract("<p><ruby>子<rt>こ</rt></ruby>どもへの<ruby><rp>(</rp>虐待<rp>)</rp><rt>ぎゃくたい</rt></ruby>をなくすための<ruby>法律<rt>ほうりつ</rt></ruby>ができて、親が子どもを教育するために、たたいたり蹴ったりする体罰を禁止することになりました。</p>")
        XCTAssertTrue(ruby.1.text.hasPrefix("子どもへの虐待をなくすための法律ができて、"), ruby.1.text)
        XCTAssertFalse(ruby.1.text.contains("ほうりつ") || ruby.1.text.contains("("), ruby.1.text)

        // Decomposed Portuguese becomes composed; Bengali ড় (a composition exclusion) becomes ড + nukta.
        let nfc = try extract("<p>Ac\u{0327}a\u{0303}o de gra\u{0303}os: a colheita come\u{0327}ou cedo este ano, com chuva na medida certa. সকাল সা\u{09DC}ে ৭টার দিকে ঘটনা ঘটে, বলেছেন স্থানীয়রা।</p>")
        XCTAssertTrue(nfc.1.text.unicodeScalars.starts(with: "Ação de grãos".unicodeScalars), nfc.1.text)
        XCTAssertTrue(nfc.1.text.unicodeScalars.contains("\u{09BC}") && !nfc.1.text.unicodeScalars.contains("\u{09DC}"))

        let article = try extract("""
            <body><nav class=menu><a href=/>Start</a> <a href=/p>Politik</a></nav>
            <main><article><header class="m-intro-header"><h1>Bohren, bis es heiß wird</h1><p class="a-lead">Weltweit finanzieren Banken und Investoren Unternehmungen, die dem Klima schaden.</p></header>
            <p>\(para)</p><p>\(para)</p><h2>Mehr zum Thema</h2><ul><li><a href=/1>Erster verwandter Artikel über etwas anderes</a></li><li><a href=/2>Zweiter verwandter Artikel</a></li></ul>
            </article></main></body>
            """)
        XCTAssertTrue(article.1.text.contains("Weltweit finanzieren Banken"), article.1.text)
        XCTAssertTrue(article.1.text.hasPrefix("Bohren, bis es heiß wird"), article.1.text)
        XCTAssertFalse(article.1.text.contains("Mehr zum Thema") || article.1.text.contains("Start"), article.1.text)
        let blog = try extract("""
            <body><div class="date-outer"><h2 class="date-header">Montag, 3. Mai</h2><div class="date-posts"><div class="post-body entry-content">
            <h3>Abschnitt</h3><h4>Unterabschnitt</h4><p>\(para)</p><p>\(para)</p></div></div></div><div class="footer">Impressum · Datenschutz</div></body>
            """)
        XCTAssertTrue(blog.1.text.hasPrefix("Abschnitt\nUnterabschnitt\nDas Zentrum"), blog.1.text)
        XCTAssertFalse(blog.1.text.contains("Impressum"), blog.1.text)
    }

    /// The shortcut that skips the normalizer: only text NFC leaves alone skips it.
    func testNFCShortcut() {
        for s in ["Grüße – „Zitat“ … 東京の桜、こんにちは。한국어 Привет, мир! ＡＢＣ ½ € → ≠", "plain ASCII", "Ação, pão, coração"] {
            XCTAssertFalse(MainText.mayChangeUnderNFC(s), s)
            XCTAssertEqual(Array(s.unicodeScalars), Array(s.precomposedStringWithCanonicalMapping.unicodeScalars), s)
        }
        for s in ["cafe\u{301}", "か\u{3099}", "\u{212B}ngström", "সা\u{09DC}ে", "\u{1100}\u{1161}", "ά", "\u{2000}"] {
            XCTAssertTrue(MainText.mayChangeUnderNFC(s), s)
        }
    }

    /// The bundled WARC through pipelines/common-crawl.json's first steps: pages in four languages, the Windows-1252
    /// page decoded, boilerplate gone, URLs in the shards, extraction statistics in lineage.
    func testWARCToMainText() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/spec.json", """
            {"name": "cc", "sources": [{"name": "crawl", "format": "warc", "paths": ["\(repoRoot)/examples/data/crawl/sample.warc.gz"]}],
             "steps": [{"type": "html_extract"}, {"type": "minhash_dedup", "shingle": "char"}], "output": {"dir": "out"}}
            """)
        let summary = try runSpec("\(dir)/spec.json")
        XCTAssertEqual(summary.documentsIn, 7)          // five pages, a 404, an image
        XCTAssertEqual(summary.documentsOut, 4)         // the near-copy dropped by MinHash
        let lines = try shardText("\(dir)/out").split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let texts = lines.compactMap { $0["text"]?.stringValue }
        XCTAssertTrue(texts.contains { $0.contains("Die Bäckerei am Marktplatz feiert") }, "\(texts)")
        XCTAssertTrue(texts.contains { $0.contains("今年の桜の開花は平年より五日早く") })
        XCTAssertFalse(texts.contains { $0.contains("cookies") || $0.contains("Todos os direitos") || $0.contains("Leia também") }, "\(texts)")
        XCTAssertEqual(Set(lines.compactMap { $0["metadata"]?["url"]?.stringValue }),
                       ["https://jornal.example/cultura/festa-junina", "https://news.example/science/river-otters", "https://zeitung.example/wirtschaft/baeckerei", "https://shinbun.example/kurashi/sakura"])
        let db = "\(dir)/out/lineage.db"
        XCTAssertEqual(try lineageRows(db, "select json_extract(annotations, '$.charset'), json_extract(annotations, '$.html_lang') from documents where doc_id like '%0006>'"),
                       [["windows-1252", "de"]])
        XCTAssertEqual(try lineageRows(db, "select count(*) from documents where status = 'kept' and json_extract(annotations, '$.text_chars') > 100 and json_extract(annotations, '$.boilerplate_ratio') > 0.05"), [["4"]])
        let r = try CLI.run(["explain", "--db", db, "<urn:uuid:5a3e0000-0000-4000-8000-000000000004>"])
        XCTAssertTrue(r.stdout.contains("boilerplate_ratio") && r.stdout.contains("text_chars") && r.stdout.contains(#""url":"https://"#), r.stdout)
        XCTAssertTrue(r.stdout.contains("sample.warc.gz at byte "), r.stdout)
    }
}
