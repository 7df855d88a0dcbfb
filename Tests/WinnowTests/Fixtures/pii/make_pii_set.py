#!/usr/bin/env python3
"""Writes pii_set.jsonl: short texts this script composes (fixed seed) from templates in five languages, each
with the labelled spans of the personal data it planted ({"start", "end", "kind"}, offsets in Unicode scalars,
end exclusive) — valid values of every kind in several formats — plus hard negatives with no spans (versions,
dates, times, prices, ISBNs, order numbers, UUIDs, hashes, failed checksums, weak passwords). PIISetTests scores
Winnow's `pii` detectors on it. Standard library only:

    python3 Tests/WinnowTests/Fixtures/pii/make_pii_set.py
"""
import base64, json, os, random, string

rng = random.Random(6006)
D = string.digits

def digits(n, first=None):
    s = "".join(rng.choice(D) for _ in range(n))
    return (first + s[1:]) if first else s

def luhn_complete(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        x = int(ch)
        if i % 2 == 0:
            x *= 2
            x = x - 9 if x > 9 else x
        total += x
    return body + str((10 - total % 10) % 10)

def card():
    prefix, n = rng.choice([("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("3530", 16)])
    num = luhn_complete(prefix + digits(n - len(prefix) - 1))
    style = rng.choice(["plain", "space", "dash"])
    if style == "plain" or n not in (16,):
        return num
    sep = " " if style == "space" else "-"
    return sep.join(num[i:i + 4] for i in range(0, 16, 4))

def iban():
    country, bban = rng.choice([("DE", lambda: digits(18)), ("FR", lambda: digits(23)), ("ES", lambda: digits(20)),
                                ("GB", lambda: "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(14)),
                                ("NL", lambda: "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(10)),
                                ("PT", lambda: digits(21)), ("BR", lambda: digits(23) + rng.choice("CP") + rng.choice(string.ascii_uppercase + D))])
    b = bban()
    num = int("".join(str(int(c, 36)) for c in b + country + "00"))
    s = country + "%02d" % (98 - num % 97) + b
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if rng.random() < 0.5 else s

def cpf(valid=True):
    while True:
        d = [int(c) for c in digits(9)]
        if len(set(d)) > 1:
            break
    for n in (9, 10):
        r = sum(d[i] * (n + 1 - i) for i in range(n)) * 10 % 11
        d.append(0 if r == 10 else r)
    if not valid:
        d[10] = (d[10] + 1) % 10
    s = "".join(map(str, d))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}" if rng.random() < 0.6 else s

def cnpj(valid=True):
    d = [int(c) for c in digits(8)] + [0, 0, 0, 1]
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    for w in (w1, [6] + w1):
        r = sum(a * b for a, b in zip(d, w)) % 11
        d.append(0 if r < 2 else 11 - r)
    if not valid:
        d[13] = (d[13] + 1) % 10
    s = "".join(map(str, d))
    return f"{s[:2]}.{s[2:5]}.{s[5:8]}/{s[8:12]}-{s[12:]}" if rng.random() < 0.6 else s

def ssn():
    area = rng.choice([x for x in range(1, 900) if x != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"

# Brazil's area codes (DDD) in use.
DDD = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47, 48, 49,
       51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89,
       91, 92, 93, 94, 95, 96, 97, 98, 99]

def phone():
    n2 = lambda: rng.choice("23456789")
    return rng.choice([
        lambda: f"+55 {rng.choice(DDD)} 9{digits(4)}-{digits(4)}", lambda: f"({rng.choice(DDD)}) 9{digits(4)}-{digits(4)}",
        lambda: f"({rng.choice(DDD)}) {rng.choice('2345')}{digits(3)}-{digits(4)}",
        lambda: f"+1 {n2()}{digits(2)}-{n2()}{digits(2)}-{digits(4)}", lambda: f"({n2()}{digits(2)}) {n2()}{digits(2)}-{digits(4)}",
        lambda: f"+44 20 {digits(4)} {digits(4)}", lambda: f"07{digits(3)} {digits(6)}",
        lambda: f"+49 30 {digits(7, first=n2())}", lambda: f"030 {digits(7, first=n2())}",
        lambda: f"+33 {rng.randint(1, 9)} " + " ".join(digits(2) for _ in range(4)), lambda: "0" + str(rng.randint(1, 9)) + " " + " ".join(digits(2) for _ in range(4)),
        lambda: f"+351 9{digits(2)} {digits(3)} {digits(3)}", lambda: f"+34 6{digits(2)} {digits(3)} {digits(3)}",
        lambda: f"+91 9{digits(4)} {digits(5)}",
    ])()

def ip():
    if rng.random() < 0.7:
        while True:
            a = rng.randint(1, 223)
            if a not in (10, 127, 172, 192, 169):
                break
        return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    groups = ["%x" % rng.randint(0, 0xFFFF) for _ in range(8)]
    groups[0] = "2001" if rng.random() < 0.5 else "2a02"
    return ":".join(groups) if rng.random() < 0.5 else ":".join(groups[:3]) + "::" + groups[7]

def email():
    first = rng.choice(["ana", "joao", "maria", "peter", "lena", "jose", "josé", "françois", "li.wei", "o.neil"])
    return f"{first}{rng.choice(['', '.', '_', '+news'])}{rng.randint(1, 999)}@{rng.choice(['example.com', 'mail.example.org', 'exemplo.com.br', 'beispiel.de', 'exemple.fr'])}"

def secret():
    alnum = string.ascii_letters + D
    r = lambda n, alpha=alnum: "".join(rng.choice(alpha) for _ in range(n))
    b64 = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).decode().rstrip("=")
    kind = rng.randrange(6)
    if kind == 0: return "AKIA" + r(16, string.ascii_uppercase + D), None
    if kind == 1: return "ghp_" + r(36), None
    if kind == 2: return "xoxb-" + digits(11) + "-" + r(24), None
    if kind == 3: return "AIza" + r(35, alnum + "_-"), None
    if kind == 4: return b64({"alg": "HS256", "typ": "JWT"}) + "." + b64({"sub": digits(8), "name": "x"}) + "." + r(43, alnum + "_-"), None
    value = r(rng.randint(12, 24), alnum + "!#$%&*")
    return value, rng.choice(["password = ", "api_key: ", "DB_PASSWORD=", '"token": "', "secret_key = "])

def url_credentials():
    user, pw = rng.choice(["admin", "deploy", "root", "svc"]), "".join(rng.choice(string.ascii_letters + D) for _ in range(10))
    return f"{user}:{pw}", f"https://", f"@{rng.choice(['git.example.com', 'db.example.org'])}/repo"

NAMES = ["Oak", "Maple", "Washington", "Liberdade", "Augusta", "Mayor", "Paix", "Linden", "Goethe", "Flores", "Camões", "Victor Hugo"]
CITIES = ["Springfield", "Campinas", "Porto", "Madrid", "Lyon", "Berlin", "Belo Horizonte", "Coimbra", "Sevilla", "Nantes", "Köln"]

def address():
    n, name, city = rng.randint(1, 2999), rng.choice(NAMES), rng.choice(CITIES)
    return rng.choice([
        lambda: f"{n} {name} {rng.choice(['Street', 'Avenue', 'Road', 'Lane', 'Drive'])}, {city}, {rng.choice(['IL', 'CA', 'NY'])} {digits(5)}",
        lambda: f"Rua {name}, {n}, {city} - {rng.choice(['SP', 'MG', 'RJ'])}, {digits(5)}-{digits(3)}",
        lambda: f"Avenida da {name}, {n}, {digits(4, first='1')}-{digits(3)} {city}",
        lambda: f"Calle {name} {n}, {digits(5)} {city}",
        lambda: f"{n} rue de la {name}, {digits(5)} {city}",
        lambda: f"{name.replace(' ', '-')}straße {n}, {digits(5)} {city}",
    ])()

TEMPLATES = {
    "email": ["Contact me at {}.", "Escreva para {} hoje.", "Schreiben Sie an {} bitte.", "Écrivez à {} merci.", "Mi correo es {}"],
    "phone": ["Call {} now.", "Ligue para {} amanhã.", "Rufen Sie {} an.", "Appelez le {} svp.", "Llame al {} hoy."],
    "ip": ["Login from {} failed.", "O servidor {} caiu.", "Zugriff von {} blockiert.", "Connexion depuis {}."],
    "credit_card": ["Card number: {}.", "Cartão {} aprovado.", "Karte {} belastet.", "Carte {} refusée."],
    "iban": ["IBAN: {}.", "Transfira para {} até sexta.", "Überweisung an {} bitte.", "Virement vers {}."],
    "us_ssn": ["SSN {} on file.", "Social security number: {}."],
    "cpf": ["Meu CPF é {}.", "CPF: {} (titular)."],
    "cnpj": ["CNPJ da empresa: {}.", "Fornecedor CNPJ {} ativo."],
    "secret": ["config: {}", "export {}", "Use {} to authenticate."],
    "url_credentials": ["Clone {} now.", "DATABASE_URL={}"],
    "address": ["Send it to {}.", "Endereço: {}", "Dirección: {}", "Adresse : {}", "Anschrift: {}"],
}
NEGATIVES = [
    lambda: f"Changelog: version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 99)} fixes a crash.",
    lambda: f"Released v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)} on {rng.randint(2000, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}.",
    lambda: f"Meeting at {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} on {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1990, 2030)}.",
    lambda: f"It costs ${rng.randint(1, 9)},{rng.randint(100, 999)}.{rng.randint(0, 99):02d} or €{rng.randint(1, 999)},{rng.randint(0, 99):02d}.",
    lambda: f"ISBN 978-{rng.randint(0, 9)}-{digits(2)}-{digits(6)}-{rng.randint(0, 9)}",
    lambda: f"Order #{digits(rng.randint(8, 14), first='1')} has shipped.",
    lambda: "uuid " + "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12)),
    lambda: "md5 " + "".join(rng.choice("0123456789abcdef") for _ in range(32)),
    lambda: "Card " + (lambda c: c[:-1] + str((int(c[-1]) + 1) % 10))(luhn_complete("4" + digits(14))) + " was declined.",
    lambda: f"CPF {cpf(valid=False)} inválido.",
    lambda: f"CNPJ {cnpj(valid=False)} inválido.",
    lambda: f"password = {rng.choice(['changeme', 'password', 'secret123', 'hunter22'])}",
    lambda: f"The token: {rng.choice(['expired', 'true', 'none'])}",
    lambda: f"Build {rng.randint(100, 999)}, room {rng.randint(1, 99)}, page {rng.randint(1, 500)}.",
    lambda: f"std::vector<int> v; x = a::b::c; {rng.randint(1, 9)}.{rng.randint(0, 9)}",
]

def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pii_set.jsonl")
    rows = []
    for kind, templates in TEMPLATES.items():
        for _ in range(170 if kind not in ("us_ssn", "cnpj", "url_credentials") else 120):
            template = rng.choice(templates)
            if kind == "secret":
                value, prefix = secret()
                planted = (prefix or "") + value
                text = template.format(planted + ('"' if prefix and prefix.endswith('"') else ""))
                start = len(template.split("{}")[0]) + len(prefix or "")
            elif kind == "url_credentials":
                cred, scheme, rest = url_credentials()
                text = template.format(scheme + cred + rest)
                start = len(template.split("{}")[0]) + len(scheme)
                value = cred
            else:
                value = {"email": email, "phone": phone, "ip": ip, "credit_card": card, "iban": iban, "us_ssn": ssn,
                         "cpf": cpf, "cnpj": cnpj, "address": address}[kind]()
                text = template.format(value)
                start = len(template.split("{}")[0])
            rows.append({"text": text, "spans": [{"start": start, "end": start + len(value), "kind": kind}]})
    for _ in range(600):
        rows.append({"text": rng.choice(NEGATIVES)(), "spans": []})
    rng.shuffle(rows)
    with open(out, "w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            f.write(json.dumps({"id": f"p{i}", **r}, ensure_ascii=False) + "\n")
    print("wrote", out, len(rows), "texts")

if __name__ == "__main__":
    main()
