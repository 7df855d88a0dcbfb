import XCTest
@testable import Winnow

final class PIITests: XCTestCase {
    private func found(_ text: String, _ scrubber: PIIScrubber = PIIScrubber()) -> [String] {
        let u = text.utf8
        return scrubber.spans(text).map { "\($0.kind):" + String(decoding: Array(u)[$0.start..<$0.end], as: UTF8.self) }
    }

    /// `winnow pii scan`: offsets in Unicode scalars, no values unless asked.
    func testScanPrintsScalarOffsetsAndNoValues() throws {
        let dir = try makeTempDir(self)
        try writeFile("\(dir)/in.jsonl", #"{"id": "a", "text": "Olá! Mail josé@exemplo.com.br — card 4111 1111 1111 1111."}"# + "\n" + #"{"id": 7, "text": "none"}"# + "\n")
        let r = try CLI.run(["pii", "scan", "\(dir)/in.jsonl"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, #"{"id":"a","spans":[{"start":10,"end":29,"kind":"email"},{"start":37,"end":56,"kind":"credit_card"}]}"# + "\n" + #"{"id":7,"spans":[]}"# + "\n")
        let shown = try CLI.run(["pii", "scan", "\(dir)/in.jsonl", "--show-values", "--kinds", "email"])
        XCTAssertTrue(shown.stdout.contains(#""value":"josé@exemplo.com.br""#), shown.stdout)
    }

    func testValidatedFindings() {
        XCTAssertEqual(found("Write to john.doe@example.com or a+b@mail.co.uk."), ["email:john.doe@example.com", "email:a+b@mail.co.uk"])
        XCTAssertEqual(found("cards 4111 1111 1111 1111, 5500-0000-0000-0004 and 378282246310005"),
                       ["credit_card:4111 1111 1111 1111", "credit_card:5500-0000-0000-0004", "credit_card:378282246310005"])
        XCTAssertEqual(found("IBAN DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432."),
                       ["iban:DE89 3704 0044 0532 0130 00", "iban:GB82WEST12345698765432"])
        XCTAssertEqual(found("CPF 529.982.247-25, 52998224725; CNPJ 11.222.333/0001-81 e 11222333000181"),
                       ["cpf:529.982.247-25", "cpf:52998224725", "cnpj:11.222.333/0001-81", "cnpj:11222333000181"])
        XCTAssertEqual(found("SSN 123-45-6789"), ["us_ssn:123-45-6789"])
        XCTAssertEqual(found("hosts 8.8.8.8 and 2001:4860:4860::8888, local 192.168.0.1"),
                       ["ip:8.8.8.8", "ip:2001:4860:4860::8888", "ip:192.168.0.1"])
        XCTAssertEqual(found("local 192.168.0.1 and 127.0.0.1, public 8.8.4.4", PIIScrubber(keepPrivateIPs: true)), ["ip:8.8.4.4"])
        // Seen in real documentation: reStructuredText's "::" after a hex-looking word, bare "::", netmasks.
        XCTAssertEqual(found("this would be::\n\n  code, or in C::\n  and ::, ::1 and a::b; mask 255.255.255.0, net 0.0.0.0"), [])
        XCTAssertEqual(found("ff02::1 ip6-allnodes, fe80::1ff:fe23:4567:890a"), ["ip:ff02::1", "ip:fe80::1ff:fe23:4567:890a"])
        XCTAssertEqual(found("ff02::1 ip6-allnodes, 224.0.0.251", PIIScrubber(keepPrivateIPs: true)), [])
        XCTAssertEqual(found("6.2.4.1. The configuration\n  6.2.4.2) SASL\nsee Section 6.2.4.3, Sezione\u{a0}6.2.4.4, revision 1.17.2.7"), [])
        XCTAssertEqual(found("novas-3.1.1.3.tar.gz, novas==3.1.1.3, 7.165.77.213.IN-ADDR.ARPA, /web/20060524042422/, 200.000.000 di"), [])
        XCTAssertEqual(found(":token:`~python-grammar:expression_list` is omitted"), [])
        XCTAssertEqual(found("from IP 201.129.66.3. Then\n201.129.66.4 logged in"), ["ip:201.129.66.3", "ip:201.129.66.4"])
    }

    func testPhonesOfEachCountry() {
        let phones = [
            "+55 11 98765-4321", "(11) 98765-4321", "(21) 3456-7890",                 // BR
            "+1 415-555-2671", "(415) 555-2671", "415.555.2671", "1-800-555-0199",     // US/CA
            "+44 20 7946 0958", "020 7946 0958", "07700 900123",                       // UK
            "+49 30 1234567", "030 1234567", "+49 151 23456789",                       // DE
            "+33 1 23 45 67 89", "01 23 45 67 89",                                     // FR
            "+351 912 345 678", "912 345 678",                                         // PT
            "+34 612 345 678", "912 34 56 78",                                         // ES
            "+91 98765 43210", "98765 43210",                                          // IN
        ]
        for p in phones { XCTAssertEqual(found("Call \(p) now."), ["phone:\(p)"], p) }
        for n in ["on 2024-01-15 and 15-01-2024", "order 1234567890 shipped", "+0 123 456", "call 555-0199", "ISBN 978-3-16-148410-0",
                  "+1 015-555-2671", "(11) 08765-4321", "1.2.3.4 and 10.0.0.1.5"] {
            XCTAssertEqual(found(n).filter { $0.hasPrefix("phone") }, [], n)
        }
    }

    /// Phones as people write them (issue 22): international prefixes and trunks, extensions, slashes, full-width
    /// digits, national formats of more countries, and bare digits only after a phone word.
    func testPhonesAsPeopleWriteThem() {
        let cases: [(String, String)] = [
            ("Tel.: +49 (0) 30 1234567", "+49 (0) 30 1234567"), ("Tel. +49(0)89 123456", "+49(0)89 123456"),
            ("call 001-212-555-0147 today", "001-212-555-0147"), ("ligue 00 351 912 345 678", "00 351 912 345 678"),
            ("Office: (212) 555-0147 x204", "(212) 555-0147 x204"), ("Fax 0301234567 ext. 12", "0301234567 ext. 12"),
            ("Contato: (11) 3456-7890 ramal 3", "(11) 3456-7890 ramal 3"), ("Telefon: 030/1234567", "030/1234567"),
            ("Mobile 090-1234-5678", "090-1234-5678"), ("電話 ０９０-１２３４-５６７８ まで", "０９０-１２３４-５６７８"),
            ("Chiamate 02 1234 5678", "02 1234 5678"), ("bel +31 20 123 4567", "+31 20 123 4567"), ("Reservas 55 1234 5678", "55 1234 5678"),
            ("Llame al 011 4321-5678", "011 4321-5678"), ("Phone: 2125550147", "2125550147"), ("Sie erreichen mich unter 0301234567.", "0301234567"),
            ("Teléfono: 915551234", "915551234"), ("Appelez le 0123456789", "0123456789"), ("Ligue para 11987654321!", "11987654321"),
        ]
        for (text, value) in cases { XCTAssertEqual(found(text), ["phone:\(value)"], text) }
        // Bare digits without a phone word, and what only looks like a phone.
        for n in ["Order 2125550147 shipped", "Invoice 0301234567 is due", "Tracking number 123456789012", "published 15/01/2024",
                  "ISBN 978-0-306-40615-7", "Total: $1,234,567.89", "version 10.2.3.4567", "Population 12 345 678",
                  "CEP 01310-100", "SSN 078-05-1120", "CPF 019.278.510-93"] {
            XCTAssertEqual(found(n).filter { $0.hasPrefix("phone") }, [], n)
        }
    }

    /// Street addresses in five languages, the whole span; street words alone are not addresses.
    func testStreetAddresses() {
        let cases: [(String, String)] = [
            ("Ship it to 1600 Pennsylvania Avenue NW, Washington, DC 20500.", "1600 Pennsylvania Avenue NW, Washington, DC 20500"),
            ("at 221B Baker Street, London NW1 6XE now", "221B Baker Street, London NW1 6XE"),
            ("Endereço: Avenida Paulista, 1578 - Bela Vista, São Paulo - SP, 01310-200", "Avenida Paulista, 1578 - Bela Vista, São Paulo - SP, 01310-200"),
            ("Moro na rua Augusta, 1508, apto 12 desde 2019.", "rua Augusta, 1508, apto 12"),
            ("Morada: Rua Garrett, 120, 1200-205 Lisboa", "Rua Garrett, 120, 1200-205 Lisboa"),
            ("Dirección: Calle Mayor 5, 28013 Madrid", "Calle Mayor 5, 28013 Madrid"),
            ("Adresse : 12 rue de la Paix, 75002 Paris", "12 rue de la Paix, 75002 Paris"),
            ("Anschrift: Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
            ("Bitte an Berliner Allee 12 schicken.", "Berliner Allee 12"),
        ]
        for (text, value) in cases { XCTAssertEqual(found(text).filter { $0.hasPrefix("address") }, ["address:\(value)"], text) }
        for n in ["Take the avenue to the park, then the street by the river.", "A rua estava vazia e a avenida também.",
                  "He scored 3 goals on Main Street Stadium night.", "Chapter 12 Street Fighting Men", "The 10 Best Ways to Measure",
                  "Spring 2014 collection", "1933 High Court ruling", "Platz 15 der Tabelle"] {
            XCTAssertEqual(found(n).filter { $0.hasPrefix("address") }, [], n)
        }
    }

    /// Tokens in the shapes their issuers document, and AWS secret keys beside their key id.
    func testIssuerTokenShapes() {
        func r(_ alphabet: String, _ n: Int, _ seed: Int) -> String {
            let a = Array(alphabet); return String((0..<n).map { a[($0 * 7 + seed * 13 + $0 * $0) % a.count] })
        }
        let an = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", hex = "0123456789abcdef"
        let tokens = ["glpat-" + r(an, 20, 1), "sk_live_" + r(an, 24, 2), "rk_live_" + r(an, 24, 3), "pk_live_" + r(an, 24, 4),
                      "sk-proj-" + r(an, 48, 5), "sk-" + r(an, 20, 6) + "T3BlbkFJ" + r(an, 20, 7), "hf_" + r("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", 34, 8),
                      "npm_" + r(an, 36, 9), "pypi-AgEIcHlwaS5vcmc" + r(an, 60, 10), "SK" + r(hex, 32, 11), "key-" + r(hex, 32, 12),
                      "dop_v1_" + r(hex, 64, 13), "shpat_" + r(hex, 32, 14), "EAAA" + r(an, 60, 15), "sq0atp-" + r(an, 22, 16),
                      "SG." + r(an, 22, 17) + "." + r(an, 43, 18), "123456789:AA" + r(an, 33, 19), "M" + r(an, 23, 20) + "." + r(an, 6, 21) + "." + r(an, 38, 22)]
        for t in tokens { XCTAssertEqual(found("token \(t) here"), ["secret:\(t)"], t) }
        let key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKE"
        XCTAssertEqual(found("AWS creds: AKIAIOSFODNN7EXAMPLE / \(key)"), ["secret:AKIAIOSFODNN7EXAMPLE", "secret:\(key)"])
        // A GCP service-account key: a PEM block inside a JSON string, its newlines escaped.
        let gcpKey = #"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"# + r(an, 64, 24) + #"\n-----END PRIVATE KEY-----"#
        XCTAssertEqual(found(#"{"type": "service_account", "private_key": ""# + gcpKey + #"\n", "client_id": "1"}"#), ["secret:\(gcpKey)"])
        let azure = r(an, 86, 23) + "=="
        XCTAssertEqual(found("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=\(azure);EndpointSuffix=core.windows.net"), ["secret:\(azure)"])
        for n in ["hf_hub_download(repo)", "sk-learn is a library", "key-value pairs", "SK-8 park", "npm_config_cache", "glpat-short"] {
            XCTAssertEqual(found(n).filter { $0.hasPrefix("secret") }, [], n)
        }
    }

    /// The token scan reads 64-byte blocks of prose as bit masks and the rest in strides: a token is found wherever it
    /// starts or ends against a block's edge, in texts shorter than a block, after other long runs and at the very end.
    func testTokensAtEveryOffsetOfABlock() {
        let gh = "ghp_" + String(repeating: "aB3dE5fG7h", count: 4).prefix(36)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        let key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKE"
        let prose = "Ein Satz, qui parle — de nada: 1 o 2 cosas. Internationalization-friendly words.here and there; "
        let secret = SecretDetector()
        for pad in 0..<140 {
            let before = String(String(repeating: prose, count: 3).prefix(pad)) + " "
            for (token, expected) in [(gh, [gh]), (jwt, [jwt]), ("AKIAIOSFODNN7EXAMPLE \(key)", ["AKIAIOSFODNN7EXAMPLE", key])] {
                for after in ["", " — fin.", " " + prose] {
                    var text = before + token + after
                    var spans: [PIISpan] = []
                    text.withUTF8 { secret.find($0, into: &spans) }
                    let u = Array(text.utf8)
                    XCTAssertEqual(spans.map { String(decoding: u[$0.start..<$0.end], as: UTF8.self) }, expected, "pad \(pad), after \(after.count)")
                }
            }
        }
    }

    /// The shared digit index answers "the next digit from here" as a scan of the text would, going forward, going
    /// back, and in texts of every length around the scan's eight-byte words.
    func testDigitIndexAgreesWithAScan() {
        var rng = SplitMix64(seed: 7)
        for length in 0..<90 {
            let alphabet = Array("ab 7-.(+0Ã©9".utf8)
            var text = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            text.withUnsafeBufferPointer { t in
                var cursor = DigitIndex(t).cursor()
                let froms = Array(0...length) + (0...length).reversed() + (0..<20).map { _ in Int(rng.next() % UInt64(length + 1)) }
                for from in froms { XCTAssertEqual(cursor.next(from: from), PIIBytes.nextDigit(in: t, from: from), "length \(length), from \(from)") }
            }
        }
    }

    func testSecretsAndURLCredentials() {
        let gh = "ghp_" + String(repeating: "aB3dE5fG7h", count: 4).prefix(36)
        let google = "AIza" + String(repeating: "Sy_9-AbCdE", count: 4).prefix(35)
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9xLzP2vJ1kQ8mN3wR5tY6uI7oP8aS9dF0gH1jK2lZ3xC4\nvB5nM6==\n-----END RSA PRIVATE KEY-----"
        let cases: [(String, String)] = [
            ("key AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
            ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ("export GITHUB_TOKEN=\(gh)", gh),
            ("slack xoxb-1234567890-abcdefghijkl done", "xoxb-1234567890-abcdefghijkl"),
            ("maps key \(google).", google),
            ("Authorization: Bearer \(jwt)", jwt),
            ("before\n\(pem)\nafter", pem),
            ("{\"password\": \"Xk9#mQ2$vL7p\"}", "Xk9#mQ2$vL7p"),
            ("db.password: Tr0ub4dor&3x!", "Tr0ub4dor&3x!"),
        ]
        for (text, value) in cases { XCTAssertEqual(found(text), ["secret:\(value)"], text) }
        XCTAssertEqual(found("clone https://admin:s3cr3t@git.example.com/repo.git"), ["url_credentials:admin:s3cr3t"])
        for n in ["password = changeme", "token: true", "sha = d41d8cd98f00b204e9800998ecf8427e", "see https://example.com:8080/a@b",
                  "ghp_short", "AKIA1234", "The secret: always test",
                  "password = ''.join(secrets.choice(alphabet) for i in range(8))", "token = var.set('new value')",
                  "passwd: Authentication token manipulation error",
                  "-----BEGIN RSA PRIVATE KEY-----\n   ... (private key in base64 encoding) ...\n   -----END RSA PRIVATE KEY-----"] {
            XCTAssertEqual(found(n).filter { $0.hasPrefix("secret") || $0.hasPrefix("url_credentials") }, [], n)
        }
    }

    /// Hard negatives: nothing here is personal data.
    func testHardNegativesSurvive() {
        let negatives = [
            "Changelog: version 1.2.3.4 fixes v2.0.1.7 and build 10.0.0.1; 1.2.3.4.5 is a long version",
            "On 2024-01-15 at 10:30:00 it cost $1,234.56 (ISBN 978-3-16-148410-0), order #1234567890123",
            "Card 4111 1111 1111 1112 fails Luhn; CPF 529.982.247-26 and 111.111.111-11 fail their check digits",
            "CNPJ 11.222.333/0001-82; IBAN DE89 3704 0044 0532 0130 01; SSN 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567",
            "uuid 123e4567-e89b-12d3-a456-426614174000, md5 d41d8cd98f00b204e9800998ecf8427e, std::vector, 999.1.1.1",
            "user@localhost, @handle, a..b@example.com, name@domain",
        ]
        for n in negatives { XCTAssertEqual(found(n), [], n) }
    }

    func testPoliciesAndCounts() {
        let text = "Mail ana@example.org, again ana@example.org; card 4111-1111-1111-1111. Olá!"
        var doc = Document(id: "1", text: text, source: "s")
        XCTAssertEqual(PIIScrubber().apply(&doc), .keep)
        XCTAssertEqual(doc.text, "Mail <EMAIL>, again <EMAIL>; card <CREDIT_CARD>. Olá!")
        XCTAssertEqual(doc.annotations["pii_email"], .int(2))
        XCTAssertEqual(doc.annotations["pii_total"], .int(3))
        var hashed = Document(id: "1", text: text, source: "s")
        _ = PIIScrubber(policy: .hash, policies: ["credit_card": .mask], salt: "s1").apply(&hashed)
        let pseudonyms = hashed.text.components(separatedBy: "<EMAIL:").dropFirst().map { $0.prefix(8) }
        XCTAssertEqual(pseudonyms.count, 2)
        XCTAssertEqual(pseudonyms[0], pseudonyms[1], "the same value gets the same pseudonym")
        XCTAssertTrue(hashed.text.contains("card *******************."), hashed.text)
        var other = Document(id: "1", text: text, source: "s")
        _ = PIIScrubber(policy: .hash, salt: "s2").apply(&other)
        XCTAssertNotEqual(other.text, hashed.text, "another salt, other pseudonyms")
        var removed = Document(id: "1", text: text, source: "s")
        _ = PIIScrubber(policy: .remove).apply(&removed)
        XCTAssertEqual(removed.text, "Mail , again ; card . Olá!")
        var many = Document(id: "1", text: text, source: "s")
        XCTAssertEqual(PIIScrubber(dropOver: 2).apply(&many), .drop(reason: "too_much_pii"))
    }

    /// A planted value never reaches the lineage file or the run's output on the terminal.
    func testValuesNeverReachLineageOrLogs() throws {
        let dir = try makeTempDir(self)
        let secret = "planted.person@example.com"
        try writeFile("\(dir)/data/a.jsonl", jsonl("1", "Contact \(secret) or card 4111111111111111 today.") + jsonl("2", "Nothing here."))
        try writeFile("\(dir)/spec.json", """
        {"name": "pii", "sources": [{"name": "web", "paths": ["data/*.jsonl"]}], "steps": [{"type": "pii", "drop_document_over": 5}], "output": {"dir": "out"}}
        """)
        let run = try CLI.run(["run", "\(dir)/spec.json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse((run.stdout + run.stderr).contains(secret))
        let db = String(decoding: try readFileBytes("\(dir)/out/lineage.db"), as: UTF8.self)
        XCTAssertFalse(db.contains(secret))
        XCTAssertFalse(db.contains("4111111111111111"))
        let counts = try CLI.run(["lineage", "--spec", "\(dir)/spec.json", "--csv",
                                  "select doc_id, json_extract(annotations, '$.pii_email') as e, json_extract(annotations, '$.pii_total') as t from documents order by doc_id"])
        XCTAssertEqual(counts.stdout, "doc_id,e,t\n1,1,2\n2,0,0\n", counts.stderr)
    }
}
