import Foundation

/// `address`: street addresses in English, Portuguese, Spanish, French and German — a house number and a street
/// type word around a street name, with what follows it on the line when it belongs to the address (a unit, a
/// postal code, a city, a state). The street types are the postal services' lists (USPS Publication 28's suffixes,
/// Correios' and CTT's logradouro types, the Spanish and French cadastral types, German compound endings):
///
/// - number first (en, fr): `1600 Pennsylvania Avenue NW`, `221B Baker Street`, `90, avenue Leroy`, `12 rue de la Paix`;
/// - type first (pt, es): `Rua Augusta, 1508`, `Avenida Paulista 1578`, `Calle Mayor 5`, `Praça da Sé, 108`;
/// - German: `Hauptstraße 5`, `Drubinstr. 47a`, `Berliner Allee 12`, `Am Lindenweg 3-5`;
///
/// then a unit (`Apt. 4B`, `Suite 200`, `apto 12`, `Piso 3`, `3º Esq.`) and a tail of capitalised words, postal
/// codes (US ZIP, BR CEP `01310-100`, PT `1000-001`, UK postcodes, five digits) and state codes, up to the first word
/// that is none of these. A street type without a number, or a number before lower-case prose ("3 goals on Main
/// Street"), is not an address; person names without a street are out of scope.
struct AddressDetector: DigitPIIDetector {
    let kind = "address"

    static func set(_ words: [String]) -> Set<LowerWord> { Set(words.map { LowerWord($0.lowercased()) }) }
    /// English suffixes after the name (USPS Publication 28, the common ones and their abbreviations).
    static let englishTypes = set([
        "street", "st", "st.", "avenue", "ave", "ave.", "av.", "road", "rd", "rd.", "lane", "ln", "ln.", "drive", "dr", "dr.", "boulevard", "blvd", "blvd.",
        "court", "ct", "ct.", "place", "pl", "pl.", "way", "terrace", "ter", "parkway", "pkwy", "highway", "hwy", "square", "sq", "crescent", "cres", "close",
        "walk", "circle", "cir", "trail", "trl", "alley", "loop", "path", "pike", "plaza", "ridge", "row", "run", "mews", "grove", "gardens", "green", "hill",
        "hills", "rise", "vale", "view", "wharf", "expressway", "freeway", "turnpike", "crossing", "point", "pt", "harbor", "harbour", "heights", "junction",
        "landing", "meadow", "meadows", "park", "passage", "port", "ranch", "shore", "shores", "spring", "springs", "station", "summit", "valley", "village",
        "villages", "vista", "wall", "well", "wells", "estate", "estates", "extension", "falls", "ferry", "field", "fields", "forest", "fork", "forks",
        "glen", "haven", "island", "isle", "knoll", "lake", "lakes", "lodge", "manor", "mill", "mills", "mount", "mountain", "orchard", "oval", "pass",
        "pines", "plains", "prairie", "radial", "rapids", "rest", "river", "route", "shoal", "skyway", "spur", "stravenue", "stream", "track", "trace",
        "trafficway", "tunnel", "underpass", "union", "unions", "via", "viaduct", "ville", "bypass", "causeway", "center", "centre", "club", "common",
        "commons", "corner", "corners", "course", "cove", "creek", "crest", "curve", "dale", "dam", "divide", "drives", "brook", "brooks", "burg",
        "camp", "canyon", "cape", "cliff", "cliffs", "bluff", "bluffs", "bottom", "branch", "bridge", "flat", "flats", "ford", "forge", "fort",
        "gateway", "gardens", "hollow", "inlet", "key", "keys", "light", "lights", "lock", "locks", "loaf", "mall", "motorway", "neck", "overpass",
        "ramp", "ways", "anchorage", "arcade", "beach", "bend", "esplanade", "parade", "promenade", "quay", "gate", "yard", "yards", "end", "side",
        "fall", "garden", "plain", "crossroad", "shoals", "trailer", "throughway", "stream", "ville",
    ])
    /// French types before the name (and the common abbreviations).
    static let frenchTypes = set(["rue", "avenue", "av.", "boulevard", "bd", "bd.", "chemin", "ch.", "allée", "allee", "impasse", "imp.", "place", "pl.",
                                  "quai", "route", "rte", "cours", "passage", "square", "voie", "faubourg", "fg", "sentier", "villa", "résidence",
                                  "hameau", "rond-point", "esplanade", "promenade", "parvis", "cité", "montée", "traverse", "ruelle", "mail"])
    /// Portuguese and Spanish types before the name (Correios, CTT, the Spanish cadastre).
    static let iberianTypes = set([
        "rua", "r.", "avenida", "av", "av.", "avda", "avda.", "travessa", "tv.", "praça", "praca", "pça", "alameda", "al.", "largo", "estrada", "est.",
        "rodovia", "rod.", "viela", "chácara", "chacara", "vila", "beco", "ladeira", "parque", "quadra", "condomínio", "residencial", "jardim",
        "núcleo", "loteamento", "setor", "via", "vía", "sítio", "fazenda", "esplanada", "campo", "conjunto", "colônia", "distrito", "estação",
        "favela", "feira", "lago", "lagoa", "morro", "passarela", "pátio", "recanto", "trecho", "trevo", "vale", "vereda", "viaduto", "aeroporto",
        "área", "calçada", "rotunda", "urbanização", "praceta", "quinta", "bairro", "caminho", "escadinhas", "calle", "c/", "camino",
        "glorieta", "plaza", "pza.", "paseo", "pº", "ronda", "rambla", "carretera", "ctra.", "cuesta", "pasaje", "pasadizo", "callejón", "cañada",
        "bajada", "acceso", "urbanización", "sector", "polígono", "travesía", "vereda", "senda", "alto", "barrio", "vial",
    ])
    /// German compound endings and words (`Hauptstraße`, `Berliner Allee`).
    static let germanEndings: [[UInt8]] = ["straße", "strasse", "str.", "weg", "platz", "gasse", "allee", "damm", "ufer", "chaussee",
                                           "pfad", "steig", "stieg"].map { Array($0.utf8) }
    /// Endings English words share ("Spring", "Engineering"): a street only with a postal code after it.
    static let weakGermanEndings: [[UInt8]] = ["ring", "markt", "promenade", "graben", "wall", "hof", "berg", "feld", "garten"].map { Array($0.utf8) }
    /// English suffixes that name streets and little else; the others ("Park", "Spring", "Club", "View") count only
    /// with a postal code or state after the street.
    static let strongEnglishTypes = set(["street", "st", "st.", "avenue", "ave", "ave.", "road", "rd", "rd.", "lane", "ln", "ln.", "drive", "dr.",
                                         "boulevard", "blvd", "blvd.", "court", "ct", "ct.", "place", "pl.", "terrace", "parkway", "pkwy", "highway", "hwy",
                                         "crescent", "close", "alley", "mews", "way", "square", "sq", "circle", "cir", "trail", "trl", "plaza"])
    /// Words that end an address's tail: what follows it on a letterhead.
    static let tailStops = set(["tel", "tel.", "tél", "tél.", "fax", "e-mail", "email", "mail", "phone", "web", "www", "telefon", "telefax", "mobil",
                                "impressum", "telefone", "teléfono", "contact", "kontakt", "ust-id", "ust-idnr"])
    static let germanWords = set(["straße", "strasse", "str.", "weg", "platz", "gasse", "allee", "ring", "damm", "ufer", "chaussee", "markt"])
    /// Lower-case words a street or city name may hold.
    static let connectors = set(["de", "da", "do", "dos", "das", "del", "la", "las", "los", "le", "les", "du", "des", "d'", "l'", "e", "y", "et", "und",
                                 "am", "an", "der", "im", "in", "zum", "zur", "sur", "en", "of", "the", "upon", "on", "sous", "lès", "les", "al",
                                 "vorm", "bei", "ob", "vor", "dem", "den"])
    /// Unit words after the street.
    static let units = set(["apt", "apt.", "apartment", "suite", "ste", "ste.", "unit", "flat", "floor", "fl", "fl.", "#", "apto", "apto.", "ap", "ap.",
                            "sala", "conj", "conj.", "bloco", "bl.", "casa", "lote", "lt", "piso", "puerta", "pta.", "esc.", "escalera", "bajo",
                            "bis", "ter", "étage", "etage", "bâtiment", "bât.", "porte", "apartamento", "andar", "loja", "dto", "dto.", "esq", "esq.",
                            "po", "box", "room", "rm", "studio"])
    /// Words that may stand before the house number and belong to the address ("Flat 83, Pratt Road").
    static let unitsBefore = set(["flat", "studio", "apartment", "apt", "apt.", "unit", "suite"])

    /// An English suffix, or its plural ("Courts", "greens").
    static func englishType(_ w: LowerWord) -> Bool {
        englishTypes.contains(w) || (w.count > 3 && w.last == 0x73 && englishTypes.contains(w.droppingLast()))
    }
    static let germanArticles = set(["am", "an", "im", "auf", "zum", "zur"])
    static let directions = set(["n", "s", "e", "w", "ne", "nw", "se", "sw", "n.", "s.", "e.", "w.", "north", "south", "east", "west"])

    /// A word: letters (ASCII or any non-ASCII byte), with inner `-`, `'` and a final `.` (abbreviations).
    static func isLetter(_ b: UInt8) -> Bool { PIIBytes.isAlpha(b) || b >= 0x80 }

    static func lower(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> LowerWord { LowerWord(t, a, b) }

    static func capitalised(_ t: UnsafeBufferPointer<UInt8>, _ a: Int) -> Bool {
        let c = t[a]
        if c >= 0x41 && c <= 0x5A { return true }
        return c == 0xC3 && a + 1 < t.count && t[a + 1] >= 0x80 && t[a + 1] <= 0x9E
    }

    /// The word starting at `a` (letters, inner `-` or `'`, a final `.`), or nil.
    static func word(_ t: UnsafeBufferPointer<UInt8>, from a: Int) -> Int? {
        guard a < t.count, isLetter(t[a]) || t[a] == 0x23 else { return nil }
        if t[a] == 0x23 { return a + 1 }
        var e = a
        while e < t.count && (isLetter(t[e]) || ((t[e] == 0x2D || t[e] == 0x27) && e + 1 < t.count && isLetter(t[e + 1]))) { e += 1 }
        if e < t.count && t[e] == 0x2E && e - a <= 5 && (e + 1 == t.count || t[e + 1] == 0x20 || t[e + 1] == 0x2C) { e += 1 }
        if e + 1 < t.count && t[e] == 0x2F && e - a == 1 { e += 1 }   // "C/"
        return e
    }

    /// The word ending at `e` (exclusive), or nil.
    static func word(_ t: UnsafeBufferPointer<UInt8>, endingAt e: Int) -> Int? {
        var s = e
        if s > 0 && (t[s - 1] == 0x2E || t[s - 1] == 0x2F) { s -= 1 }
        while s > 0 && (isLetter(t[s - 1]) || ((t[s - 1] == 0x2D || t[s - 1] == 0x27) && s >= 2 && isLetter(t[s - 2]))) { s -= 1 }
        return s < e && isLetter(t[s]) ? s : nil
    }

    /// A house number at `a`: 1–5 digits, then an optional letter (`221B`), `-`/`/` and more digits (`47-26`, `3/5`).
    static func houseNumber(_ t: UnsafeBufferPointer<UInt8>, at a: Int) -> Int? {
        var e = a
        while e < t.count && PIIBytes.isDigit(t[e]) { e += 1 }
        guard (1...5).contains(e - a) else { return nil }
        if e + 1 < t.count, t[e] == 0x2D || t[e] == 0x2F, PIIBytes.isDigit(t[e + 1]) {
            var f = e + 1
            while f < t.count && PIIBytes.isDigit(t[f]) { f += 1 }
            if f - e - 1 <= 4 { e = f }
        }
        // A letter after the number ("221B", "13a"), not an hour ("21h").
        if e < t.count, PIIBytes.isAlpha(t[e]), t[e] | 0x20 != 0x68, e + 1 == t.count || !isLetter(t[e + 1]) { e += 1 }
        if e < t.count && (PIIBytes.isDigit(t[e]) || isLetter(t[e]) || (t[e] == 0x2E && e + 1 < t.count && PIIBytes.isDigit(t[e + 1]))) { return nil }
        return e
    }

    func find(_ t: UnsafeBufferPointer<UInt8>, digits: DigitIndex, into out: inout [PIISpan]) {
        var cursor = digits.cursor()
        var i = cursor.next(from: 0)
        var lastEnd = 0
        while i < t.count {
            // A digit run that starts a token: a house number candidate.
            if i > 0 && (PIIBytes.isAlnum(t[i - 1]) || t[i - 1] == 0x2E || t[i - 1] == 0x2D || t[i - 1] == 0x2F || t[i - 1] == 0x2C && i >= 2 && PIIBytes.isDigit(t[i - 2])) {
                var j = i; while j < t.count && PIIBytes.isDigit(t[j]) { j += 1 }
                i = cursor.next(from: j); continue
            }
            guard let numEnd = Self.houseNumber(t, at: i) else {
                var j = i; while j < t.count && PIIBytes.isDigit(t[j]) { j += 1 }
                i = cursor.next(from: j); continue
            }
            var street: (Int, Int)? = nil
            // Cheap tests first (no allocation): a capitalised word just before the number, or a space and a letter
            // after it (most numbers in prose have neither a name before nor a street type after).
            var b = i
            while b > lastEnd && (t[b - 1] == 0x20 || t[b - 1] == 0x2C) && i - b < 3 { b -= 1 }
            var w = b
            while w > lastEnd && (Self.isLetter(t[w - 1]) || t[w - 1] == 0x2E || t[w - 1] == 0x2D) && b - w < 64 { w -= 1 }
            let nameBefore = w < b && b < i && Self.capitalised(t, w)
            var a = numEnd
            if a < t.count && t[a] == 0x2C { a += 1 }
            let wordAfter = a + 1 < t.count && t[a] == 0x20 && Self.isLetter(t[a + 1])
            guard nameBefore || wordAfter else { i = cursor.next(from: numEnd); continue }
            // A year ("Talstraße 2016", "1933 High Court") is a house number only with a postal code after the street.
            let yearLike = numEnd - i == 4 && !(i >= 2 && t[i - 2] == 0x2C) && (t[i] == 0x31 && (t[i + 1] == 0x38 || t[i + 1] == 0x39) || t[i] == 0x32 && t[i + 1] == 0x30)
            if nameBefore, let s = streetBefore(t, number: i, lowerBound: lastEnd), !yearLike || postalCodeFollows(t, after: numEnd) { street = (s, numEnd) }
            else if wordAfter, let e = streetAfter(t, number: i, numberEnd: numEnd), !yearLike || postalCodeFollows(t, after: e) { street = (i, e) }
            if var (s, e) = street {
                // A unit written first: "Flat 83, Pratt greens".
                if s == i, s >= 2, t[s - 1] == 0x20, let u = Self.word(t, endingAt: s - 1), u >= lastEnd, Self.unitsBefore.contains(Self.lower(t, u, s - 1)) { s = u }
                if e <= s { e = s }
                let end = tail(t, from: unit(t, from: e))
                out.append(PIISpan(start: s, end: end, kind: kind))
                lastEnd = end
                i = cursor.next(from: end)
                continue
            }
            i = cursor.next(from: numEnd)
        }
    }

    /// Type first (pt, es: `Rua Augusta, 1508`) or German (`Hauptstraße 5`, `Berliner Allee 12`): where the street
    /// name before the number starts.
    func streetBefore(_ t: UnsafeBufferPointer<UInt8>, number: Int, lowerBound: Int) -> Int? {
        var k = number
        // ", " or " " or " nº " between the name and the number.
        while k > lowerBound && t[k - 1] == 0x20 { k -= 1 }
        if k > lowerBound && t[k - 1] == 0x2C { k -= 1; while k > lowerBound && t[k - 1] == 0x20 { k -= 1 } }
        if k - 3 >= lowerBound, t[k - 1] == 0xBA, t[k - 2] == 0xC2, t[k - 3] == 0x6E || t[k - 3] == 0x4E {   // "nº"
            k -= 3; while k > lowerBound && t[k - 1] == 0x20 { k -= 1 }
        }
        guard k > lowerBound, k < number, let first = Self.word(t, endingAt: k), first >= lowerBound else { return nil }
        // German: the word before the number ends in a street ending ("Hauptstraße", "Drubinstr."), or is one
        // ("Berliner Allee"); it is capitalised.
        let w = Self.lower(t, first, k)
        if Self.capitalised(t, first) {
            if Self.germanWords.contains(w) {
                if let prev = previousWord(t, before: first, lowerBound: lowerBound), Self.capitalised(t, prev), t[first - 2] != 0x2E { return prev }
                return nil
            }
            let strong = Self.germanEndings.contains(where: { w.count > $0.count && w.hasSuffix($0) })
            let weak = !strong && Self.weakGermanEndings.contains(where: { w.count > $0.count + 2 && w.hasSuffix($0) })
                && postalCodeFollows(t, after: Self.houseNumber(t, at: number) ?? number)
            if w.count > 4, strong || weak, t[number - 1] == 0x20, k == number - 1 {
                // "Am Lindenweg 3": an article before it belongs to the name.
                if let prev = previousWord(t, before: first, lowerBound: lowerBound), Self.capitalised(t, prev),
                   Self.germanArticles.contains(Self.lower(t, prev, first - 1)) {
                    return prev
                }
                return first
            }
        }
        // Type first: up to six name words back to a type word; the name holds a capitalised word.
        var s = first, words = 0, capital = false, fullWord = false
        while words < 7 {
            let lw = Self.lower(t, s, s + (Self.word(t, from: s).map { $0 - s } ?? 0))
            if words > 0 && Self.iberianTypes.contains(lw) {
                // An abbreviated type ("R.", "C/") needs a written-out name word after it ("R. Soc. B 374" is a citation).
                if lw.count <= 3 && !fullWord { return nil }
                return capital ? s : nil
            }
            if let we = Self.word(t, from: s), we - s >= 3, t[we - 1] != 0x2E, Self.capitalised(t, s) { fullWord = true }
            // A name does not run across a sentence's end ("Estação Julio Prestes. Cerca de 700").
            if words > 0, lw.count > 5, lw.last == 0x2E { return nil }
            if Self.capitalised(t, s) { capital = true } else if !Self.connectors.contains(lw) && !PIIBytes.isDigit(t[s]) { return nil }
            guard let p = previousWord(t, before: s, lowerBound: lowerBound) else { return nil }
            s = p
            words += 1
        }
        return nil
    }

    /// A postal code (4–5 digits, or a ZIP / CEP / PT code) after `e`, past `, ` or a line break, or a state code
    /// and a ZIP ("…, CA 94042").
    func postalCodeFollows(_ t: UnsafeBufferPointer<UInt8>, after e: Int) -> Bool {
        var k = unit(t, from: e), hops = 0
        while hops < 5 && k < t.count {
            while k < t.count && (t[k] == 0x20 || t[k] == 0x2C || t[k] == 0x0A || t[k] == 0x2D) { k += 1 }
            guard k < t.count else { return false }
            if PIIBytes.isDigit(t[k]) { return postalCode(t, at: k) != nil }
            if ukPostcode(t, at: k) != nil { return true }
            guard let we = Self.word(t, from: k), Self.capitalised(t, k) else { return false }
            k = we
            hops += 1
        }
        return false
    }

    /// The start of the word before the one starting at `s` (one space or `, ` between), or nil.
    func previousWord(_ t: UnsafeBufferPointer<UInt8>, before s: Int, lowerBound: Int) -> Int? {
        var k = s
        guard k > lowerBound, t[k - 1] == 0x20 else { return nil }
        k -= 1
        guard k > lowerBound else { return nil }
        if let p = Self.word(t, endingAt: k), p >= lowerBound { return p }
        // A number inside a name ("Rua 25 de Março").
        var d = k
        while d > lowerBound && PIIBytes.isDigit(t[d - 1]) { d -= 1 }
        return d < k && (d == 0 || t[d - 1] == 0x20) ? d : nil
    }

    /// Number first: English (`1600 Pennsylvania Avenue`) or French (`90, avenue Leroy`): where the street ends.
    func streetAfter(_ t: UnsafeBufferPointer<UInt8>, number: Int, numberEnd: Int) -> Int? {
        var k = numberEnd
        if k < t.count && t[k] == 0x2C { k += 1 }
        guard k < t.count, t[k] == 0x20 else { return nil }
        k += 1
        guard let firstEnd = Self.word(t, from: k) else { return nil }
        let first = Self.lower(t, k, firstEnd)
        if Self.frenchTypes.contains(first) {
            // French: the type, then a name of capitalised words and connectors ("de la", "des", "d'").
            var e = firstEnd, named = false, at = firstEnd
            while at < t.count && t[at] == 0x20, let we = Self.word(t, from: at + 1) {
                let w = Self.lower(t, at + 1, we)
                if Self.capitalised(t, at + 1) { named = true; e = we }
                else if Self.connectors.contains(w) || w.hasPrefix("d'") || w.hasPrefix("l'") { if w.count > 2 { named = true; e = we } }
                else { break }
                at = we
            }
            return named ? e : nil
        }
        // English: capitalised words, then a street suffix (any case), then an optional direction.
        var at = k, end = firstEnd, words = 0
        while words < 5 {
            guard let we = Self.word(t, from: at) else { return nil }
            let w = Self.lower(t, at, we)
            if words > 0 && Self.englishType(w) {
                // A common street suffix, capitalised as in an address; anything else ("Ways", "Places", "Park",
                // "drive") needs a postal code or state after it.
                guard (Self.strongEnglishTypes.contains(w) && Self.capitalised(t, at)) || postalCodeFollows(t, after: we) else { return nil }
                end = we
                if end < t.count && t[end] == 0x20, let de = Self.word(t, from: end + 1), Self.directions.contains(Self.lower(t, end + 1, de)),
                   Self.capitalised(t, end + 1) { end = de }
                return end
            }
            guard Self.capitalised(t, at) || (words > 0 && Self.connectors.contains(w)) else { return nil }
            guard we < t.count, t[we] == 0x20 else { return nil }
            at = we + 1
            words += 1
        }
        return nil
    }

    /// Past a unit after the street: `, Apt. 4B`, ` Suite 200`, ` - Apto 12`, ` 3º Esq.`.
    func unit(_ t: UnsafeBufferPointer<UInt8>, from e: Int) -> Int {
        var k = e
        while k < t.count && (t[k] == 0x20 || t[k] == 0x2C || t[k] == 0x2D) && k - e < 4 { k += 1 }
        guard k > e, k < t.count else { return e }
        if let we = Self.word(t, from: k), Self.units.contains(Self.lower(t, k, we)) {
            var v = we
            while v < t.count && t[v] == 0x20 && v - we < 2 { v += 1 }
            var n = v
            while n < t.count && (PIIBytes.isAlnum(t[n]) || t[n] == 0x2D) && n - v < 8 { n += 1 }
            if n > v && n - v <= 6 && PIIBytes.isAlnum(t[v]) { return n }
        }
        // "3º Esq.", "2ºD": a floor.
        if PIIBytes.isDigit(t[k]) {
            var n = k; while n < t.count && PIIBytes.isDigit(t[n]) { n += 1 }
            if n - k <= 2, n + 1 < t.count, t[n] == 0xC2, t[n + 1] == 0xBA || t[n + 1] == 0xAA {
                var m = n + 2
                if m < t.count && t[m] == 0x20, let we = Self.word(t, from: m + 1), we - m <= 6 { m = we }
                return m
            }
        }
        return e
    }

    /// Past the city, state and postal code after the street: capitalised words, connectors, postal codes and
    /// two-letter state codes joined by spaces, commas and dashes, up to the first thing that is none of these.
    func tail(_ t: UnsafeBufferPointer<UInt8>, from e: Int) -> Int {
        var end = e, k = e, tokens = 0
        while tokens < 8 {
            var s = k
            while s < t.count && (t[s] == 0x20 || t[s] == 0x2C || t[s] == 0x2D) && s - k < 4 { s += 1 }
            guard s > k || tokens == 0, s < t.count else { break }
            if s == k && tokens > 0 { break }
            if PIIBytes.isDigit(t[s]) {
                guard let pe = postalCode(t, at: s) else { break }
                end = pe; k = pe
            } else if let we = Self.word(t, from: s), t[s] != 0x23 {
                let w = Self.lower(t, s, we)
                if Self.capitalised(t, s) {
                    var we = we
                    if t[we - 1] == 0x2E { we -= 1 }            // a sentence's full stop is not the city's
                    if Self.tailStops.contains(Self.lower(t, s, we)) { break }
                    // A UK postcode ("SW1A 1AA", "B9S 6RW") is letters and digits: read it whole.
                    if let pe = ukPostcode(t, at: s) { end = pe; k = pe } else {
                        guard we - s > 1 || (we < t.count && t[we] != 0x2E) else { break }
                        end = we; k = we
                    }
                } else if Self.connectors.contains(w) {
                    k = we                     // kept only if a capitalised word follows
                } else { break }
            } else { break }
            tokens += 1
        }
        return end
    }

    /// US ZIP (`12345`, `12345-6789`), BR CEP (`01310-100`), PT (`1000-001`), five digits (DE, FR, ES).
    func postalCode(_ t: UnsafeBufferPointer<UInt8>, at s: Int) -> Int? {
        var e = s
        while e < t.count && PIIBytes.isDigit(t[e]) { e += 1 }
        let n = e - s
        if e + 1 < t.count && t[e] == 0x2D && PIIBytes.isDigit(t[e + 1]) {
            var f = e + 1; while f < t.count && PIIBytes.isDigit(t[f]) { f += 1 }
            let m = f - e - 1
            if (n == 5 && (m == 3 || m == 4)) || (n == 4 && m == 3) { return f < t.count && PIIBytes.isAlnum(t[f]) ? nil : f }
            return nil
        }
        // Four or five digits; eight is a BR CEP written without its dash.
        return (n == 5 || n == 4 || n == 8) && !(e < t.count && PIIBytes.isAlnum(t[e])) ? e : nil
    }

    /// A UK postcode: outward code (A9, A99, A9A, AA9, AA99, AA9A), a space, inward code (9AA).
    func ukPostcode(_ t: UnsafeBufferPointer<UInt8>, at s: Int) -> Int? {
        var e = s
        while e < t.count && (PIIBytes.isDigit(t[e]) || (t[e] >= 0x41 && t[e] <= 0x5A)) && e - s < 5 { e += 1 }
        guard (2...4).contains(e - s), PIIBytes.isDigit(t[s + 1]) || PIIBytes.isDigit(t[min(s + 2, e - 1)]), e + 3 < t.count || e + 3 == t.count,
              e < t.count, t[e] == 0x20, e + 3 <= t.count, PIIBytes.isDigit(t[e + 1]), t[e + 2] >= 0x41 && t[e + 2] <= 0x5A, t[e + 3] >= 0x41 && t[e + 3] <= 0x5A,
              e + 4 == t.count || !PIIBytes.isAlnum(t[e + 4]) else { return nil }
        return e + 4
    }
}

/// A word lower-cased (ASCII capitals, and Latin-1 capitals after 0xC3) into inline storage: the address word lists
/// are looked up once per candidate word, and an allocation per lookup would cost more than the lookup. Words of
/// more than 64 bytes keep their first 64 and equal no listed word.
struct LowerWord: Hashable {
    static let capacity = 64
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// The word's length in bytes (more than `capacity` for a longer word).
    private(set) var count = 0

    init(_ s: String) {
        var s = s
        self = s.withUTF8 { LowerWord($0, 0, $0.count) }
    }

    init(_ t: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) {
        var n = 0
        withUnsafeMutableBytes(of: &storage) { out in
            var k = a
            while k < b {
                var c = t[k]
                if c >= 0x41 && c <= 0x5A { c |= 0x20 }
                if n < Self.capacity { out[n] = c }
                n += 1
                if c == 0xC3, k + 1 < b, t[k + 1] >= 0x80, t[k + 1] <= 0x9E {
                    if n < Self.capacity { out[n] = t[k + 1] | 0x20 }
                    n += 1; k += 1
                }
                k += 1
            }
        }
        count = n
    }

    subscript(i: Int) -> UInt8 { withUnsafeBytes(of: storage) { $0[i] } }
    var last: UInt8? { count == 0 || count > Self.capacity ? nil : self[count - 1] }

    func hasSuffix(_ s: [UInt8]) -> Bool {
        guard count >= s.count, count <= Self.capacity else { return false }
        for k in 0..<s.count where self[count - s.count + k] != s[k] { return false }
        return true
    }

    func hasPrefix(_ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard count >= n else { return false }
        for k in 0..<n where self[k] != s.utf8Start[k] { return false }
        return true
    }

    /// The word without its last byte.
    func droppingLast() -> LowerWord {
        guard count > 0 else { return self }
        var w = self
        if count <= Self.capacity { withUnsafeMutableBytes(of: &w.storage) { $0[count - 1] = 0 } }
        w.count -= 1
        return w
    }

    static func == (l: LowerWord, r: LowerWord) -> Bool {
        l.count == r.count && l.count <= capacity && withUnsafeBytes(of: l.storage) { a in withUnsafeBytes(of: r.storage) { b in memcmp(a.baseAddress!, b.baseAddress!, l.count) == 0 } }
    }

    func hash(into h: inout Hasher) {
        withUnsafeBytes(of: storage) { h.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[..<min(count, Self.capacity)])) }
    }
}
