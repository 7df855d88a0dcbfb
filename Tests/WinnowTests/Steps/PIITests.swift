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
