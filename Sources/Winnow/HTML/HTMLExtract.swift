import Foundation

/// Main-text extraction: which blocks of a page are its content. The method is the one jusText and boilerpipe
/// describe, with trafilatura's structural cues: blocks inside boilerplate containers (nav, footer, aside, cookie
/// banners, share bars, by tag, role, class or id) are out; a block with a high share of link text is out; long
/// blocks are in; short and middling ones are decided by their neighbours (a short line between two content
/// paragraphs is content, between two menus it is not); headings are in when content follows them; when the page
/// marks its main content (`article`, `main`, `role=main`, `itemprop=articleBody`) and most content is inside, what is
/// outside is dropped. When that leaves almost nothing, a recall pass keeps every readable block outside boilerplate.
enum MainText {
    enum Favor: String, CaseIterable, Sendable { case precision, balanced, recall }

    struct Thresholds {
        let maxLinkDensity: Double, lengthLow: Int, lengthHigh: Int, restrictToMain: Bool
        static func of(_ f: Favor) -> Thresholds {
            switch f {
            case .precision: return Thresholds(maxLinkDensity: 0.2, lengthLow: 70, lengthHigh: 200, restrictToMain: true)
            case .balanced: return Thresholds(maxLinkDensity: 0.35, lengthLow: 40, lengthHigh: 120, restrictToMain: true)
            case .recall: return Thresholds(maxLinkDensity: 0.45, lengthLow: 25, lengthHigh: 100, restrictToMain: false)
            }
        }
    }

    private enum Class { case bad, short, nearGood, good }

    /// The indexes of the content blocks, in page order.
    static func select(_ blocks: [HTMLBlock], favor: Favor, includeComments: Bool = false) -> [Int] {
        let t = Thresholds.of(favor)
        var cls: [Class] = blocks.map { b in
            if b.boilerplate || (b.comment && !includeComments) { return .bad }
            if b.linkDensity > t.maxLinkDensity { return .bad }
            if b.comment { return b.chars >= 20 ? .good : .short }
            if b.kind == .heading { return .short }
            if b.weight < t.lengthLow { return b.linkChars > 0 && b.kind != .tableRow ? .bad : .short }
            if b.weight >= t.lengthHigh { return .good }
            return .nearGood
        }
        /// The class of the nearest block that is not short, before (`step` -1) or after (+1) block `i`; nil at the edge.
        func neighbour(_ i: Int, _ step: Int) -> Class? {
            var k = i + step
            while k >= 0 && k < cls.count {
                if cls[k] != .short { return cls[k] }
                k += step
            }
            return nil
        }
        // Near-good blocks next to content (short blocks between them do not count) become content, repeatedly, so a
        // run of middling paragraphs after a long one is kept.
        var changed = true
        var passes = 0
        while changed && passes < 50 {
            changed = false
            passes += 1
            for i in cls.indices where cls[i] == .nearGood && (neighbour(i, -1) == .good || neighbour(i, 1) == .good) {
                cls[i] = .good
                changed = true
            }
        }
        for i in cls.indices where cls[i] == .nearGood { cls[i] = .bad }
        // Short blocks: content when the content on both sides is (or the page ends on that side).
        var resolved = cls
        for i in cls.indices where cls[i] == .short {
            let p = neighbour(i, -1), n = neighbour(i, 1)
            resolved[i] = (p ?? .good) == .good && (n ?? .good) == .good && (p != nil || n != nil) && blocks[i].kind != .heading ? .good : .bad
        }
        cls = resolved
        // Headings: in when the next block that is not a heading is content.
        for (i, b) in blocks.enumerated() where b.kind == .heading && !b.boilerplate && !(b.comment && !includeComments) && b.linkDensity <= t.maxLinkDensity {
            if let k = (i + 1..<blocks.count).first(where: { blocks[$0].kind != .heading }), cls[k] == .good { cls[i] = .good }
        }
        var chosen = cls.indices.filter { cls[$0] == .good }
        if t.restrictToMain {
            let inMain = chosen.filter { blocks[$0].main }.reduce(0) { $0 + blocks[$1].chars }
            let all = chosen.reduce(0) { $0 + blocks[$1].chars }
            if inMain > 0 && Double(inMain) >= 0.6 * Double(all) { chosen = chosen.filter { blocks[$0].main || (includeComments && blocks[$0].comment) } }
        }
        // Recall pass (not when favouring precision): too little found on a page that has more readable text.
        let found = chosen.reduce(0) { $0 + blocks[$1].chars }
        if found < 250 && favor != .precision {
            let readable = blocks.indices.filter { !blocks[$0].boilerplate && !(blocks[$0].comment && !includeComments) && blocks[$0].linkDensity <= 0.5 && blocks[$0].chars >= 20 }
            if readable.reduce(0, { $0 + blocks[$1].chars }) > found { chosen = readable }
        }
        return chosen
    }

    /// Whether NFC could change `s`: false when every scalar lies where no character decomposes, composes with the
    /// one before it or carries a combining class — Latin below U+0300, Cyrillic, punctuation and symbols, CJK,
    /// kana, hangul syllables, full-width forms — so most pages skip the normalizer.
    static func mayChangeUnderNFC(_ s: String) -> Bool {
        if s.utf8.allSatisfy({ $0 < 0xCC }) { return false }      // all below U+0300
        for u in s.unicodeScalars {
            switch u.value {
            case 0..<0x300, 0x400..<0x483, 0x48A..<0x530, 0x2002..<0x20D0, 0x2100..<0x2126, 0x2190..<0x2329, 0x232B..<0x2ADC, 0x2ADD..<0x2C00,
                 0x3000..<0x302A, 0x3030..<0x3099, 0x309B..<0x3100, 0x4E00..<0xA000, 0xAC00..<0xD7A4, 0xFF01..<0xFFF0:
                continue
            default:
                return true
            }
        }
        return false
    }

    /// The chosen blocks as text: one line per block, list items as "- item", table rows with " | " between cells.
    static func text(_ blocks: [HTMLBlock], _ chosen: [Int]) -> String {
        var out: [UInt8] = []
        for i in chosen {
            if !out.isEmpty { out.append(0x0A) }
            if blocks[i].kind == .listItem { out += [0x2D, 0x20] }
            out += blocks[i].text
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `html_extract`: the main text of an HTML document (from a `warc` or `html` source, or a JSONL field), with the page's
/// title, language, description and canonical URL and the extraction's statistics as annotations.
public final class HTMLExtract: DocumentStep {
    public struct Parameters: StepParameters {
        @Param("favor", Schema.string("`precision` drops more doubtful blocks, `recall` keeps more.", enumeration: MainText.Favor.allCases.map(\.rawValue)))
        public var favor = MainText.Favor.balanced.rawValue
        @Param("include_tables", Schema.boolean("Keep table rows as text (cells separated by \" | \")."))
        public var includeTables = true
        @Param("include_comments", Schema.boolean("Keep comment sections."))
        public var includeComments = false
        @Param("min_extracted_chars", Schema.integer("Drop the page (reason no_main_text) when less main text than this is found.", minimum: 0))
        public var minExtractedChars = 1
        @Param("html_field", Schema.string("Read the HTML from this metadata field of a JSONL document instead of its text.", minLength: 1))
        public var htmlField: String? = nil
        public init() {}
    }

    public let name: String
    let favor: MainText.Favor
    let segmenter: HTMLSegmenter
    let minExtractedChars: Int
    let htmlField: String?
    let includeComments: Bool

    init(name: String, parameters p: Parameters) {
        self.name = name
        favor = MainText.Favor(rawValue: p.favor) ?? .balanced
        segmenter = HTMLSegmenter(options: .init(includeTables: p.includeTables, includeComments: p.includeComments))
        minExtractedChars = p.minExtractedChars
        htmlField = p.htmlField
        includeComments = p.includeComments
    }

    static let descriptor = StepDescriptor(
        type: "html_extract", kind: .document,
        summary: "Replaces a page's HTML with its main text — boilerplate (menus, footers, cookie banners, share bars, comments) removed; annotates title, html_lang, description, canonical_url, html_bytes, text_chars, boilerplate_ratio (reason: no_main_text).",
        parameters: Parameters.self,
        build: { spec, _ in .document(HTMLExtract(name: spec.effectiveName, parameters: try spec.decodeParameters(Parameters.self))) })

    public func apply(_ doc: inout Document) -> StepResult {
        var html = doc.text
        if let field = htmlField {
            guard let v = (try? JSONParser.parse(doc.metadata))?[field]?.stringValue else { return .drop(reason: "no_html") }
            html = v
        }
        let htmlBytes = html.utf8.count
        let page = segmenter.segment(html)
        let chosen = MainText.select(page.blocks, favor: favor, includeComments: includeComments)
        var text = MainText.text(page.blocks, chosen)
        // Unicode NFC, as trafilatura does: the same word spelled with composed or decomposed characters (or a
        // composition exclusion such as Bengali ড়) becomes one spelling for dedup, filters and tokenizer.
        if MainText.mayChangeUnderNFC(text) { text = text.precomposedStringWithCanonicalMapping }
        let visible = page.blocks.reduce(0) { $0 + $1.chars }
        let textChars = chosen.reduce(0) { $0 + page.blocks[$1].chars }
        doc.annotations["html_bytes"] = .int(htmlBytes)
        doc.annotations["text_chars"] = .int(textChars)
        doc.annotations["boilerplate_ratio"] = .number(visible > 0 ? (Double(visible - textChars) / Double(visible) * 1000).rounded() / 1000 : 1)
        if let t = page.title { doc.annotations["title"] = .string(t) }
        if let l = page.lang { doc.annotations["html_lang"] = .string(l) }
        if let d = page.description { doc.annotations["description"] = .string(d) }
        if let c = page.canonical { doc.annotations["canonical_url"] = .string(c) }
        doc.text = text
        if textChars == 0 || textChars < minExtractedChars { return .drop(reason: "no_main_text") }
        return .keep
    }
}
