import Foundation

/// A run of text between block boundaries of an HTML page, with what the extractor judges it by: its length, how
/// much of it is link text, its kind, and the containers it sits in (boilerplate cues, main-content cues).
struct HTMLBlock {
    enum Kind: UInt8 { case paragraph, heading, listItem, tableRow, preformatted }
    var text: [UInt8] = []
    /// Unicode scalars in `text`.
    var chars = 0
    /// Scalars inside `<a>`.
    var linkChars = 0
    /// Length for the extractor's thresholds: scalars, with a CJK, kana or hangul character counted as three (a
    /// character there carries about what a short word does elsewhere).
    var weight = 0
    var kind = Kind.paragraph
    /// Inside an element whose tag, role, class or id marks boilerplate (nav, footer, cookie banner, share bar, …) or a
    /// comment section — as `HTMLPage.judgeCues` decides once the whole page is seen.
    var boilerplate = false
    var comment = false
    /// The innermost element with a boilerplate or comment cue around this block (index into `HTMLPage.cues`; -1: none).
    var cue: Int32 = -1
    /// Inside `<article>`, `<main>`, `role=main` or `itemprop=articleBody`.
    var main = false
    var linkDensity: Double { chars > 0 ? Double(linkChars) / Double(chars) : 0 }
}

/// An HTML page cut into blocks, with the metadata the extractor reports.
struct HTMLPage {
    /// An element with a boilerplate or comment cue: the cue around it, and whether it sits inside main content.
    struct Cue { let parent: Int32; let comment: Bool; let insideMain: Bool }
    var blocks: [HTMLBlock] = []
    var cues: [Cue] = []
    var title: String?
    var lang: String?
    var description: String?
    var canonical: String?

    /// A cue is believed unless it wraps most of the page's text (a layout wrapper named `has-sidebar`) or wraps the
    /// main content from outside it; a block is boilerplate (or comment) when a believed cue encloses it.
    mutating func judgeCues() {
        guard !cues.isEmpty else { return }
        var text = [Int](repeating: 0, count: cues.count)
        var total = 0
        for b in blocks {
            let own = b.chars - b.linkChars
            total += own
            var c = b.cue
            while c >= 0 { text[Int(c)] += own; c = cues[Int(c)].parent }
        }
        for i in blocks.indices {
            var c = blocks[i].cue
            while c >= 0 {
                let cue = cues[Int(c)]
                let wrapsMost = total > 0 && Double(text[Int(c)]) > 0.4 * Double(total)
                let wrapsMain = blocks[i].main && !cue.insideMain
                if !wrapsMost && !wrapsMain {
                    if cue.comment { blocks[i].comment = true } else { blocks[i].boilerplate = true }
                }
                c = cue.parent
            }
        }
    }
}

/// A tolerant, streaming HTML tokenizer and segmenter: tags, attributes, comments, raw-text elements (`script`,
/// `style`, `title`, `textarea`, …) and character references as the HTML5 tokenizer reads them; a stack of open
/// elements with the implied end tags that matter for text (`p` closed by a block, `li` by the next `li`, cells and
/// rows); text cut into blocks at block-level elements. It builds no tree: each open element carries the flags its
/// text inherits (removed, boilerplate, comment, main, link, preformatted).
struct HTMLSegmenter {
    struct Options { var includeTables = true; var includeComments = false }
    let options: Options

    /// Element flags, inherited by everything inside.
    struct Flags: OptionSet {
        let rawValue: UInt8
        static let removed = Flags(rawValue: 1), boilerplate = Flags(rawValue: 2), comment = Flags(rawValue: 4)
        static let main = Flags(rawValue: 8), link = Flags(rawValue: 16), pre = Flags(rawValue: 32), table = Flags(rawValue: 64)
    }
    /// An open element: its name, its number among the tags the segmenter compares (`T`; 0 for any other, which
    /// is then compared by name), its flags and the innermost cue around it.
    private struct Open { let tag: String; let id: UInt16; let flags: Flags; var cue: Int32 = -1 }

    static let void: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "keygen"]
    static let rawText: Set<String> = ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"]
    /// Content never shown as text.
    static let removed: Set<String> = ["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas", "select", "button",
                                       "textarea", "noembed", "noframes", "head", "input", "label", "option", "video", "audio", "map", "dialog",
                                       "rt", "rp"]     // ruby annotations (furigana): the base text is the text
    static let boilerplateTags: Set<String> = ["nav", "aside", "footer", "menu"]
    static let block: Set<String> = ["p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6",
                                     "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption", "blockquote", "pre",
                                     "figure", "figcaption", "form", "fieldset", "address", "center", "hr", "details", "summary", "body", "html", "menu"]
    static let headings: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]
    /// Start tags that stay in the head; any other closes it.
    static let headContent: Set<String> = ["base", "basefont", "bgsound", "link", "meta", "title", "noscript", "noframes", "style", "script",
                                           "template", "head", "html"]
    /// Tags a `p` start or block start closes an open `p` for.
    static let closesP: Set<String> = ["p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6",
                                       "ul", "ol", "dl", "table", "blockquote", "pre", "figure", "form", "fieldset", "address", "hr", "details", "menu"]

    // Class and id words: strong ones mark boilerplate even beside content words; weak ones only alone.
    static let strongBoilerplate: [String] = ["nav", "menu", "footer", "sidebar", "cookie", "consent", "gdpr", "banner", "breadcrumb", "share",
                                              "sharing", "social", "related", "recommend", "advert", "sponsor", "promo", "newsletter", "subscri",
                                              "signup", "login", "popup", "modal", "overlay", "pagination", "pager", "tagcloud", "toolbar",
                                              "masthead", "topbar", "skiplink", "outbrain", "taboola"]
    static let exactBoilerplate: Set<String> = ["ad", "ads", "tags", "tag", "meta", "byline", "author", "date", "dateline", "caption", "header",
                                                "navigation", "links", "more", "follow", "rating", "reactions", "teaser", "print", "paywall"]
    static let commentWords: Set<String> = ["comment", "comments", "commentlist", "disqus", "respond", "replies", "reply"]
    static let contentWords: Set<String> = ["article", "content", "main", "post", "entry", "story", "text", "body", "blog", "news", "prose", "richtext",
                                            "posts", "articles", "entries", "stories",
                                            "intro", "lead", "standfirst", "summary", "excerpt", "abstract", "description",
                                            "recipe", "step", "steps", "instructions", "directions", "ingredients",
                                            "artikel", "inhalt", "articulo", "contenido", "contenu", "conteudo", "testo"]

    /// The attributes the segmenter looks at; others are skipped without being decoded.
    struct Attributes {
        var cls, id, role, style, hidden, ariaHidden, itemprop, lang, name, content, property, rel, href: String?
        /// The names, in the order of `set`'s slots.
        static let names: [[UInt8]] = ["class", "id", "role", "style", "hidden", "aria-hidden", "itemprop", "lang", "name", "content", "property",
                                       "rel", "href"].map { Array($0.utf8) }
        /// The slot of an attribute name (any ASCII case), or nil when the segmenter does not read it: compared as
        /// bytes, so the many other attributes (`src`, `alt`, `data-…`) cost no String.
        static func slot(_ n: UnsafeBufferPointer<UInt8>) -> Int? {
            guard n.count >= 2 && n.count <= 11 else { return nil }
            outer: for (k, name) in names.enumerated() where name.count == n.count {
                for i in 0..<n.count where n[i] | 0x20 != name[i] { continue outer }     // names stop at spaces, so no 0x0D here
                return k
            }
            return nil
        }
        /// Stores the first value of slot `k`.
        mutating func set(_ k: Int, _ value: String) {
            switch k {
            case 0: if cls == nil { cls = value }
            case 1: if id == nil { id = value }
            case 2: if role == nil { role = value }
            case 3: if style == nil { style = value }
            case 4: if hidden == nil { hidden = value }
            case 5: if ariaHidden == nil { ariaHidden = value }
            case 6: if itemprop == nil { itemprop = value }
            case 7: if lang == nil { lang = value }
            case 8: if self.name == nil { self.name = value }
            case 9: if content == nil { content = value }
            case 10: if property == nil { property = value }
            case 11: if rel == nil { rel = value }
            case 12: if href == nil { href = value }
            default: break
            }
        }
    }

    /// Flags an element's role, class, id and other attributes give it.
    func cueFlags(tag id: UInt16, attrs: Attributes) -> Flags {
        var f: Flags = []
        if attrs.hidden != nil || attrs.ariaHidden?.lowercased() == "true" { f.insert(.removed) }
        if let style = attrs.style, Self.hidesElement(style) { f.insert(.removed) }
        switch attrs.role?.lowercased() {
        case "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert", "menu", "menubar": f.insert(.boilerplate)
        case "main", "article": f.insert(.main)
        default: break
        }
        if attrs.itemprop?.lowercased() == "articlebody" { f.insert(.main) }
        guard id != T.html && id != T.body, attrs.cls != nil || attrs.id != nil else { return f }
        // Words of class and id: runs of ASCII letters and digits, lower-cased (other bytes separate them), matched as
        // bytes against the word lists, by first letter.
        let words = Self.words
        let bits = words.bits(of: attrs.cls) | words.bits(of: attrs.id)
        let comment = bits & WordTables.comment != 0, strong = bits & WordTables.strong != 0
        let weak = bits & WordTables.weak != 0, content = bits & WordTables.content != 0
        if comment { f.insert(.comment); return f }
        // An element that says it is the main content is not boilerplate by its class (`node--promoted`, `has-sidebar`).
        if f.contains(.main) || id == T.article || id == T.main { return f }
        if strong || (weak && !content) { f.insert(.boilerplate) }
        return f
    }

    /// Whether a `style` value says `display:none` or `visibility:hidden` (any case, any spaces).
    static func hidesElement(_ style: String) -> Bool {
        var s: [UInt8] = []
        for c in style.utf8 where c != 0x20 && c != 0x09 { s.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c) }
        for needle in [Array("display:none".utf8), Array("visibility:hidden".utf8)] where s.count >= needle.count {
            for i in 0...(s.count - needle.count) where s[i] == needle[0] && s[i..<(i + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    /// The class and id word lists in one byte pool, by first letter: which lists a word of a class or id value is in.
    struct WordTables {
        static let comment: UInt8 = 1, strong: UInt8 = 2, weak: UInt8 = 4, content: UInt8 = 8
        struct Entry { let start: Int32; let count: Int32; let bits: UInt8; let prefix: Bool }
        let pool: [UInt8]
        let entries: [Entry]
        /// Entries whose word starts with byte b: `entries[first[b] ..< first[b + 1]]`.
        let first: [Int32]

        init() {
            var all: [(word: [UInt8], bits: UInt8, prefix: Bool)] = []
            for w in HTMLSegmenter.commentWords { all.append((Array(w.utf8), Self.comment, false)) }
            for w in HTMLSegmenter.strongBoilerplate { all.append((Array(w.utf8), Self.strong, true)) }     // a prefix: nav matches navbar
            for w in HTMLSegmenter.exactBoilerplate { all.append((Array(w.utf8), Self.weak, false)) }
            for w in HTMLSegmenter.contentWords { all.append((Array(w.utf8), Self.content, false)) }
            all.sort { ($0.word.lexicographicallyPrecedes($1.word)) || ($0.word == $1.word && $0.bits < $1.bits) }
            var pool: [UInt8] = [], entries: [Entry] = [], first = [Int32](repeating: 0, count: 257)
            for e in all {
                entries.append(Entry(start: Int32(pool.count), count: Int32(e.word.count), bits: e.bits, prefix: e.prefix))
                pool += e.word
                first[Int(e.word[0]) + 1] += 1
            }
            for b in 0..<256 { first[b + 1] += first[b] }
            self.pool = pool; self.entries = entries; self.first = first
        }

        /// The lists the words of `value` are in: runs of ASCII letters and digits, any case (other bytes separate them).
        func bits(of value: String?) -> UInt8 {
            guard var s = value else { return 0 }
            return s.withUTF8 { p in
                var bits: UInt8 = 0
                var i = 0
                let n = p.count
                while i < n {
                    while i < n && !Self.isWordByte(p[i]) { i += 1 }
                    let start = i
                    while i < n && Self.isWordByte(p[i]) { i += 1 }
                    if i > start { bits |= match(UnsafeBufferPointer(rebasing: p[start..<i])) }
                }
                return bits
            }
        }

        @inline(__always) static func isWordByte(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) }

        /// `| 0x20` lower-cases a letter and leaves a digit as it is.
        private func match(_ w: UnsafeBufferPointer<UInt8>) -> UInt8 {
            let f = Int(w[0] | 0x20)
            var bits: UInt8 = 0
            for e in Int(first[f])..<Int(first[f + 1]) {
                let x = entries[e]
                let len = Int(x.count), start = Int(x.start)
                if x.prefix ? w.count < len : w.count != len { continue }
                var k = 0
                while k < len && w[k] | 0x20 == pool[start + k] { k += 1 }
                if k == len { bits |= x.bits }
            }
            return bits
        }
    }
    static let words = WordTables()

    func segment(_ html: String) -> HTMLPage {
        var html = html
        return html.withUTF8 { segment(bytes: $0) }
    }

    func segment(bytes b: UnsafeBufferPointer<UInt8>) -> HTMLPage {
        var page = HTMLPage()
        var stack: [Open] = []
        var current = HTMLBlock()
        var currentFlags: Flags = []
        var currentCue: Int32 = -1
        var pendingSpace = false
        var inBody = false
        var sawHead = false
        var cellsInRow = 0
        func top() -> Flags { stack.last?.flags ?? [] }
        func topCue() -> Int32 { stack.last?.cue ?? -1 }

        func flush() {
            defer { current = HTMLBlock(); pendingSpace = false; cellsInRow = 0 }
            while let l = current.text.last, l == 0x20 || l == 0x0A { current.text.removeLast(); current.chars -= 1 }
            guard current.chars > 0 else { return }
            current.cue = currentCue
            current.main = currentFlags.contains(.main)
            var wide = 0
            for c in current.text where c >= 0xE3 && c < 0xF0 { wide += 1 }
            current.weight = current.chars + 2 * wide
            page.blocks.append(current)
        }
        func appendText(_ bytes: UnsafeBufferPointer<UInt8>) {
            let f = top()
            if f.contains(.removed) { return }
            if !inBody && stack.isEmpty && page.blocks.isEmpty && current.chars == 0 {
                // Text before any element of the body (a stray doctype line, whitespace): ignored unless it is words.
                if bytes.allSatisfy({ $0 <= 0x20 }) { return }
            }
            let cue = topCue()
            if current.chars > 0 && (f.contains(.main) != currentFlags.contains(.main) || cue != currentCue) { flush() }
            if current.chars == 0 { currentFlags = f; currentCue = cue }
            let pre = f.contains(.pre), link = f.contains(.link)
            var i = 0
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x26 {                                   // &
                    let (decoded, used) = HTMLEntities.decode(bytes, at: i)
                    if used > 0 {
                        for s in decoded {
                            if s == " " || s == "\u{A0}" { if !pre { pendingSpace = current.chars > 0; continue } }
                            if pendingSpace { current.text.append(0x20); current.chars += 1; if link { current.linkChars += 1 }; pendingSpace = false }
                            current.text += Array(String(s).utf8); current.chars += 1; if link { current.linkChars += 1 }
                        }
                        i += used
                        continue
                    }
                }
                if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C {
                    if pre {
                        if c != 0x0D { current.text.append(c == 0x0A ? 0x0A : 0x20); current.chars += 1 }
                    } else {
                        pendingSpace = current.chars > 0
                    }
                    i += 1
                    continue
                }
                if pendingSpace { current.text.append(0x20); current.chars += 1; if link { current.linkChars += 1 }; pendingSpace = false }
                // A run of ordinary bytes at once (an '&' that starts no reference is one of them).
                var j = i
                var scalars = 0
                if c == 0x26 { j = i + 1; scalars = 1 }
                while j < bytes.count {
                    let d = bytes[j]
                    if d == 0x26 || d == 0x20 || d == 0x0A || d == 0x09 || d == 0x0D || d == 0x0C { break }
                    if d & 0xC0 != 0x80 { scalars += 1 }
                    j += 1
                }
                current.text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j]))
                current.chars += scalars
                if link { current.linkChars += scalars }
                i = j
            }
        }
        func push(_ tag: String, _ id: UInt16, _ kind: TagKind, _ attrs: Attributes) {
            let parent = top()
            var f = parent
            f.remove(.link)
            var own = cueFlags(tag: id, attrs: attrs)
            if kind.contains(.boilerplate) { own.insert(.boilerplate) }
            f.formUnion(own.subtracting([.boilerplate, .comment]))
            var cue = topCue()
            if own.contains(.boilerplate) || own.contains(.comment) {
                page.cues.append(HTMLPage.Cue(parent: cue, comment: own.contains(.comment), insideMain: parent.contains(.main)))
                cue = Int32(page.cues.count - 1)
            }
            if kind.contains(.removed) { f.insert(.removed) }
            if id == T.article || id == T.main { f.insert(.main) }
            if id == T.a || (stack.last.map { $0.flags.contains(.link) } ?? false) { f.insert(.link) }
            if id == T.pre { f.insert(.pre) }
            if id == T.table { f.insert(.table) }
            if id == T.table && !options.includeTables { f.insert(.removed) }
            if stack.count < 512 { stack.append(Open(tag: tag, id: id, flags: f, cue: cue)) }
        }
        /// Pops up to and including the nearest open element `id` (by name when 0; none: nothing happens), stopping
        /// at `boundary` elements.
        func close(_ id: UInt16, _ tag: String = "", boundary: [UInt16] = []) {
            guard let k = stack.lastIndex(where: { ($0.id == id && (id != 0 || $0.tag == tag)) || boundary.contains($0.id) }),
                  stack[k].id == id, id != 0 || stack[k].tag == tag else { return }
            stack.removeSubrange(k...)
        }
        func headOpen() -> Bool { stack.contains(where: { $0.id == T.head }) }
        func startBlock(_ id: UInt16, _ kind: TagKind) {
            flush()
            switch id {
            case T.li: current.kind = .listItem
            case T.tr: current.kind = .tableRow
            case T.pre: current.kind = .preformatted
            default: if kind.contains(.heading) { current.kind = .heading }
            }
        }

        var i = 0
        let n = b.count
        while i < n {
            // Text up to the next '<'.
            var j = i
            while j < n && b[j] != 0x3C { j += 1 }
            if j > i {
                let text = UnsafeBufferPointer(rebasing: b[i..<j])
                if !inBody, headOpen() {
                    // Words in the head start the body (HTML5's "in head" mode: anything else closes the head).
                    if !stack.contains(where: { $0.flags.contains(.removed) && $0.id != T.head }) && text.contains(where: { $0 > 0x20 }) {
                        close(T.head); inBody = true
                        appendText(text)
                    }
                } else {
                    appendText(text)
                }
            }
            i = j
            guard i < n else { break }
            // i at '<'.
            if i + 3 < n && b[i + 1] == 0x21 && b[i + 2] == 0x2D && b[i + 3] == 0x2D {            // <!-- comment -->
                var k = i + 4
                while k + 2 < n && !(b[k] == 0x2D && b[k + 1] == 0x2D && b[k + 2] == 0x3E) { k += 1 }
                i = min(n, k + 3)
                continue
            }
            if i + 1 < n && (b[i + 1] == 0x21 || b[i + 1] == 0x3F) {                               // <!doctype>, <?xml ?>
                var k = i + 2
                while k < n && b[k] != 0x3E { k += 1 }
                i = min(n, k + 1)
                continue
            }
            let isEnd = i + 1 < n && b[i + 1] == 0x2F
            let nameStart = i + (isEnd ? 2 : 1)
            guard nameStart < n, Self.isASCIILetter(b[nameStart]) else {
                appendText(UnsafeBufferPointer(rebasing: b[i..<(i + 1)]))                          // a lone '<' is text
                i += 1
                continue
            }
            var k = nameStart
            while k < n && !Self.isSpace(b[k]) && b[k] != 0x2F && b[k] != 0x3E { k += 1 }
            let tag = Self.lowercased(UnsafeBufferPointer(rebasing: b[nameStart..<k]))
            // Attributes, up to '>' (quotes respected).
            var attrs = Attributes()
            var selfClosing = false
            while k < n && b[k] != 0x3E {
                if Self.isSpace(b[k]) || b[k] == 0x2F { if b[k] == 0x2F { selfClosing = true }; k += 1; continue }
                selfClosing = false
                let aStart = k
                while k < n && !Self.isSpace(b[k]) && b[k] != 0x3D && b[k] != 0x3E && !(b[k] == 0x2F && k + 1 < n && b[k + 1] == 0x3E) { k += 1 }
                let slot = isEnd ? nil : Attributes.slot(UnsafeBufferPointer(rebasing: b[aStart..<k]))
                let keep = slot != nil
                while k < n && Self.isSpace(b[k]) { k += 1 }
                var value = ""
                if k < n && b[k] == 0x3D {
                    k += 1
                    while k < n && Self.isSpace(b[k]) { k += 1 }
                    if k < n && (b[k] == 0x22 || b[k] == 0x27) {
                        let q = b[k]; let vStart = k + 1
                        k = vStart
                        while k < n && b[k] != q { k += 1 }
                        if keep { value = HTMLEntities.decodeAll(UnsafeBufferPointer(rebasing: b[vStart..<min(k, n)])) }
                        k = min(n, k + 1)
                    } else {
                        let vStart = k
                        while k < n && !Self.isSpace(b[k]) && b[k] != 0x3E { k += 1 }
                        if keep { value = HTMLEntities.decodeAll(UnsafeBufferPointer(rebasing: b[vStart..<k])) }
                    }
                }
                if let slot { attrs.set(slot, value) }
            }
            i = min(n, k + 1)

            let info = Self.tags[tag] ?? TagInfo(id: 0, kind: [])
            let id = info.id, kind = info.kind
            if isEnd {
                if id == T.head { inBody = true; close(T.head); continue }
                if kind.contains(.block) || id == T.br { flush() }
                if id == T.td || id == T.th { close(id, boundary: Self.cellBoundary); continue }
                if id == T.li { close(id, boundary: Self.listBoundary) } else { close(id, tag) }
                continue
            }
            // Start tag. In the head, one that does not belong there closes it and starts the body, as HTML5 says.
            if !inBody && !kind.contains(.headContent) && headOpen() { close(T.head); inBody = true }
            switch id {
            case T.html:
                if let l = attrs.lang, !l.isEmpty { page.lang = l }
                continue
            case T.body: inBody = true; close(T.head); flush(); continue
            case T.head:
                // Only the first, before the body (HTML5 ignores any later `<head>`).
                if !inBody && !sawHead { stack.append(Open(tag: "head", id: T.head, flags: [.removed])) }
                sawHead = true
                continue
            case T.meta:
                let name = (attrs.name ?? attrs.property ?? "").lowercased()
                if (name == "description" || (name == "og:description" && page.description == nil)), let c = attrs.content, !c.isEmpty { page.description = c }
                continue
            case T.link:
                if attrs.rel?.lowercased().split(separator: " ").contains("canonical") ?? false, let h = attrs.href { page.canonical = h }
                continue
            case T.br:
                if !top().contains(.removed) && current.chars > 0 { current.text.append(0x0A); current.chars += 1; pendingSpace = false }
                continue
            case T.td, T.th:
                close(T.td, boundary: Self.cellBoundary); close(T.th, boundary: Self.cellBoundary)
                if cellsInRow > 0 && current.chars > 0 { current.text += Array(" | ".utf8); current.chars += 3; pendingSpace = false }
                cellsInRow += 1
                push(tag, id, kind, attrs)
                if selfClosing { stack.removeLast() }
                continue
            default: break
            }
            if kind.contains(.closesP) { close(T.p, boundary: Self.paragraphBoundary) }
            if id == T.li { close(T.li, boundary: Self.listBoundary) }
            if id == T.dt || id == T.dd { close(T.dt, boundary: [T.dl]); close(T.dd, boundary: [T.dl]) }
            if id == T.tr { close(T.tr, boundary: [T.table]) }
            if kind.contains(.block) { startBlock(id, kind) }
            if kind.contains(.void) { continue }
            if kind.contains(.rawText) {
                // Raw text: to the matching end tag, case-insensitive.
                var end = i
                while end < n {
                    if b[end] == 0x3C && end + 1 < n && b[end + 1] == 0x2F && Self.matchesTag(b, end + 2, tag) { break }
                    end += 1
                }
                if id == T.title && page.title == nil {
                    let t = HTMLEntities.decodeAll(UnsafeBufferPointer(rebasing: b[i..<end])).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
                    if !t.isEmpty { page.title = t }
                }
                var k2 = end
                while k2 < n && b[k2] != 0x3E { k2 += 1 }
                i = min(n, k2 + 1)
                continue
            }
            if selfClosing { continue }
            push(tag, id, kind, attrs)
        }
        flush()
        page.judgeCues()
        return page
    }

    /// What kind of tag a name is, looked up once per tag.
    struct TagKind: OptionSet {
        let rawValue: UInt8
        static let void = TagKind(rawValue: 1), rawText = TagKind(rawValue: 2), removed = TagKind(rawValue: 4), block = TagKind(rawValue: 8)
        static let closesP = TagKind(rawValue: 16), boilerplate = TagKind(rawValue: 32), heading = TagKind(rawValue: 64)
        static let headContent = TagKind(rawValue: 128)
    }
    /// The tags the segmenter compares, numbered so that comparing them is comparing integers.
    enum T {
        static let names = ["head", "html", "body", "meta", "link", "br", "td", "th", "li", "ul", "ol", "dt", "dd", "dl", "tr", "table", "p",
                            "div", "article", "main", "section", "blockquote", "a", "pre", "title"]
        static let head: UInt16 = 1, html: UInt16 = 2, body: UInt16 = 3, meta: UInt16 = 4, link: UInt16 = 5, br: UInt16 = 6, td: UInt16 = 7
        static let th: UInt16 = 8, li: UInt16 = 9, ul: UInt16 = 10, ol: UInt16 = 11, dt: UInt16 = 12, dd: UInt16 = 13, dl: UInt16 = 14
        static let tr: UInt16 = 15, table: UInt16 = 16, p: UInt16 = 17, div: UInt16 = 18, article: UInt16 = 19, main: UInt16 = 20
        static let section: UInt16 = 21, blockquote: UInt16 = 22, a: UInt16 = 23, pre: UInt16 = 24, title: UInt16 = 25
        /// Numbers for the other tags the segmenter knows a kind for, so none of them is 0.
        static let firstOther: UInt16 = 26
    }
    struct TagInfo { let id: UInt16; let kind: TagKind }
    static let tags: [String: TagInfo] = {
        var k: [String: TagKind] = [:]
        for t in void { k[t, default: []].insert(.void) }
        for t in rawText { k[t, default: []].insert(.rawText) }
        for t in removed { k[t, default: []].insert(.removed) }
        for t in block { k[t, default: []].insert(.block) }
        for t in closesP { k[t, default: []].insert(.closesP) }
        for t in boilerplateTags { k[t, default: []].insert(.boilerplate) }
        for t in headings { k[t, default: []].insert(.heading) }
        for t in headContent { k[t, default: []].insert(.headContent) }
        for t in T.names { k[t, default: []].formUnion([]) }
        var next = T.firstOther
        var out: [String: TagInfo] = [:]
        for (name, kind) in k.sorted(by: { $0.key < $1.key }) {
            let id: UInt16
            if let i = T.names.firstIndex(of: name) { id = UInt16(i + 1) } else { id = next; next += 1 }
            out[name] = TagInfo(id: id, kind: kind)
        }
        return out
    }()
    static let cellBoundary: [UInt16] = [T.tr, T.table]
    static let listBoundary: [UInt16] = [T.ul, T.ol]
    static let paragraphBoundary: [UInt16] = [T.table, T.li, T.td, T.th, T.div, T.article, T.section, T.main, T.blockquote]


    @inline(__always) static func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D || c == 0x0C }

    static func lowercased(_ p: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: p.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Whether `b[at...]` starts with `tag` (ASCII, any case) followed by a space, '/' or '>'.
    static func matchesTag(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ tag: String) -> Bool {
        var k = at
        for c in tag.utf8 {
            guard k < b.count, b[k] | 0x20 == c | 0x20 else { return false }
            k += 1
        }
        return k >= b.count || isSpace(b[k]) || b[k] == 0x2F || b[k] == 0x3E
    }
}

/// HTML character references: named (the WHATWG table, legacy forms without ';' included) and numeric (with the
/// HTML5 remapping of 0x80–0x9F to Windows-1252).
enum HTMLEntities {
    static let table: [String: [Unicode.Scalar]] = {
        var t: [String: [Unicode.Scalar]] = [:]
        for line in HTMLEntityTable.text.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            guard parts.count == 2 else { continue }
            t[String(parts[0])] = parts[1].split(separator: " ").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
        }
        return t
    }()
    static let windows1252: [UInt32] = [0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
                                        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178]

    /// The reference at `b[at]` (an '&'): the scalars it stands for and the bytes it used (0: not a reference).
    static func decode(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> ([Unicode.Scalar], Int) {
        var k = at + 1
        guard k < b.count else { return ([], 0) }
        if b[k] == 0x23 {                                                  // &#…
            k += 1
            let hex = k < b.count && (b[k] | 0x20) == 0x78
            if hex { k += 1 }
            let start = k
            var v: UInt32 = 0
            while k < b.count, let d = hex ? hexValue(b[k]) : (b[k] >= 0x30 && b[k] <= 0x39 ? UInt32(b[k] - 0x30) : nil) {
                if v < 0x110000 { v = v * (hex ? 16 : 10) + d }
                k += 1
            }
            guard k > start else { return ([], 0) }
            if k < b.count && b[k] == 0x3B { k += 1 }
            if v >= 0x80 && v <= 0x9F { v = windows1252[Int(v - 0x80)] }
            let s = (v == 0 || v > 0x10FFFF) ? nil : Unicode.Scalar(v)
            return ([s ?? "\u{FFFD}"], k - at)
        }
        let start = k
        while k < b.count && k - start < 32 && (isAlnum(b[k])) { k += 1 }
        guard k > start else { return ([], 0) }
        let name = String(decoding: UnsafeBufferPointer(rebasing: b[start..<k]), as: UTF8.self)
        if k < b.count && b[k] == 0x3B, let v = table[name + ";"] { return (v, k + 1 - at) }
        // Legacy names without ';': the longest that matches.
        var len = name.utf8.count
        while len >= 2 {
            let prefix = String(name.utf8.prefix(len))!
            if let v = table[prefix] { return (v, 1 + len) }
            len -= 1
        }
        return ([], 0)
    }

    /// Every reference in `p` decoded.
    static func decodeAll(_ p: UnsafeBufferPointer<UInt8>) -> String {
        guard p.contains(0x26) else { return String(decoding: p, as: UTF8.self) }
        var out = String.UnicodeScalarView()
        var i = 0, runStart = 0
        func flushRun(_ end: Int) { if end > runStart { out.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: p[runStart..<end]), as: UTF8.self).unicodeScalars) } }
        while i < p.count {
            if p[i] == 0x26 {
                let (v, used) = decode(p, at: i)
                if used > 0 { flushRun(i); out.append(contentsOf: v); i += used; runStart = i; continue }
            }
            i += 1
        }
        flushRun(p.count)
        return String(out)
    }

    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) }
    @inline(__always) static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        default: return nil
        }
    }
}
