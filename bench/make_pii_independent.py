#!/usr/bin/env python3
"""The independent PII set (bench/data/pii_independent.jsonl): values from data Winnow's authors did not write,
in sentences of five languages, plus hard negatives. Kept apart from the unit tests' fixtures.

- phone: valid numbers of 14 regions (BR PT US CA GB DE FR ES IT NL IN MX AR JP), fixed line and mobile, taken
  from libphonenumber's published metadata (the `phonenumbers` port: each region's example number, its last
  digits varied until libphonenumber calls the number valid), written as libphonenumber formats them
  (INTERNATIONAL, NATIONAL, E164, RFC3966) and as people write them (`00` for `+`, `+49 (0) 30 …`, dots,
  dashes, slashes, extensions `x204` / `ext. 12` / `ramal 3` / `Durchwahl`, full-width digits), and as bare
  digits after a context word of the sentence's language;
- address: Faker's locale providers (en_US, en_GB, pt_BR, pt_PT, es_ES, fr_FR, de_DE) — street names, building
  numbers, unit formats, postcodes and cities from their address data — as one line, the whole span labelled;
  only street addresses with a house number count (the issue's definition);
- secret: tokens in each issuer's documented shape (prefix, alphabet, length), random bodies; this part is
  format knowledge, not third-party data, and the report says so;
- negatives: dates, ISBNs (Faker), prices, versions, order and tracking numbers, coordinates, bare digit runs
  without a phone word, street-type words without an address.

    /tmp/anchors-venv/bin/python bench/make_pii_independent.py   # pip install phonenumbers==9.0.28 faker==37.12.0
    /tmp/anchors-venv/bin/python bench/make_pii_independent.py --seed 9001 --out bench/data/pii_independent_heldout.jsonl

The first (seed 2222) is the development half the detectors were tuned on; the second (seed 9001: other numbers,
streets, cities and tokens, made once after tuning) is the held-out half the figures are quoted from.
"""
import argparse, json, os, random

import faker
import phonenumbers as pn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pii_independent.jsonl")
R = random.Random(2222)
SEED = 2222
REGIONS = ["BR", "PT", "US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "MX", "AR", "JP"]
LANG = {"BR": "pt", "PT": "pt", "US": "en", "CA": "en", "GB": "en", "DE": "de", "FR": "fr", "ES": "es", "IT": "en",
        "NL": "en", "IN": "en", "MX": "es", "AR": "es", "JP": "en"}
# Sentences around a value: {v} is the value. The "ctx" ones carry a phone word (for bare digits).
PHONE_CTX = {
    "en": ["Call me at {v} after six.", "Phone: {v}", "For support, call {v}.", "My cell is {v}, text anytime.", "Fax {v} (office hours)."],
    "pt": ["Ligue para {v} ainda hoje.", "Telefone: {v}", "Meu celular é {v}, pode mandar mensagem.", "Contato: tel. {v}."],
    "es": ["Llame al {v} de lunes a viernes.", "Teléfono: {v}", "Mi celular es {v}.", "Tel. {v} (atención al cliente)."],
    "fr": ["Appelez le {v} avant midi.", "Téléphone : {v}", "Mon portable : {v}.", "Tél. {v} — accueil."],
    "de": ["Sie erreichen mich unter {v}.", "Telefon: {v}", "Rufen Sie {v} an.", "Tel.: {v} (Zentrale)"],
}
PHONE_PLAIN = {
    "en": ["Contact: {v}", "Reach the front desk at {v}.", "({v})"],
    "pt": ["Fale com a recepção: {v}", "Atendimento {v}"],
    "es": ["Contacto: {v}", "Reservas {v}"],
    "fr": ["Contact : {v}", "Standard {v}"],
    "de": ["Kontakt: {v}", "Zentrale {v}"],
}
ADDR_CTX = {
    "en_US": ["Ship it to {v}.", "Our office: {v}", "She lives at {v} now."],
    "en_GB": ["Post it to {v}.", "The shop is at {v}."],
    "pt_BR": ["Entregar em {v}.", "Endereço: {v}", "Moro na {v} desde 2019."],
    "pt_PT": ["Morada: {v}", "Enviar para {v}."],
    "es_ES": ["Dirección: {v}", "Envíelo a {v}."],
    "fr_FR": ["Adresse : {v}", "Livraison au {v}."],
    "de_DE": ["Anschrift: {v}", "Bitte an {v} schicken."],
}
FULLWIDTH = {c: chr(0xFF10 + int(c)) for c in "0123456789"}


def valid_numbers(region, kind, n):
    ex = pn.example_number_for_type(region, kind)
    if ex is None:
        return []
    out, seen = [], set()
    s = str(ex.national_number)
    tries = 0
    while len(out) < n and tries < 2000:
        tries += 1
        tail = "".join(R.choice("0123456789") for _ in range(4))
        cand = pn.PhoneNumber(country_code=ex.country_code, national_number=int(s[:-4] + tail), italian_leading_zero=ex.italian_leading_zero)
        if pn.is_valid_number(cand) and cand.national_number not in seen:
            seen.add(cand.national_number)
            out.append(cand)
    return out


def people_forms(num, region):
    intl = pn.format_number(num, pn.PhoneNumberFormat.INTERNATIONAL)
    nat = pn.format_number(num, pn.PhoneNumberFormat.NATIONAL)
    e164 = pn.format_number(num, pn.PhoneNumberFormat.E164)
    forms = [("intl", intl), ("national", nat), ("e164", e164), ("rfc3966", pn.format_number(num, pn.PhoneNumberFormat.RFC3966)),
             ("00", "00" + intl[1:]), ("dashes", intl.replace(" ", "-")), ("dots", nat.replace(" ", ".").replace("-", "."))]
    if region in ("DE", "GB", "IT", "NL", "FR") and nat.startswith("0"):
        cc = intl.split(" ")[0]
        forms.append(("trunk_paren", f"{cc} (0) {nat[1:]}"))
    if region == "DE":
        area, _, rest = nat.partition(" ")
        forms.append(("slash", f"{area}/{rest.replace(' ', '')}"))
    if region in ("US", "CA"):
        forms.append(("001", "001-" + "-".join(intl[3:].split(" "))))
    ext = {"pt": " ramal {}", "es": " ext. {}", "fr": " poste {}", "de": " Durchwahl {}", "en": R.choice([" x{}", " ext. {}", " ext {}"])}
    forms.append(("extension", nat + ext[LANG[region]].format(R.randint(2, 9999))))
    forms.append(("fullwidth", "".join(FULLWIDTH.get(c, c) for c in nat)))
    return forms


def row(rows, text, spans):
    rows.append({"id": f"i{len(rows)}", "text": text, "spans": spans})


def place(template, value, kind, extra=None):
    b = template.index("{v}")
    text = template.replace("{v}", value)
    return text, [{"start": b, "end": b + len(value), "kind": kind, **(extra or {})}]


def main():
    rows = []
    # Phones.
    for region in REGIONS:
        lang = LANG[region]
        for kind in (pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.MOBILE):
            for num in valid_numbers(region, kind, 4):
                for form, value in people_forms(num, region):
                    tpl = R.choice(PHONE_PLAIN[lang] + PHONE_CTX[lang])
                    text, spans = place(tpl, value, "phone")
                    spans[0]["form"] = form; spans[0]["region"] = region
                    row(rows, text, spans)
                # Bare digits: the national significant number with its trunk prefix, after a phone word.
                bare = pn.format_number(num, pn.PhoneNumberFormat.NATIONAL)
                bare = "".join(c for c in bare if c.isdigit())
                text, spans = place(R.choice(PHONE_CTX[lang]), bare, "phone")
                spans[0]["form"] = "bare_with_context"; spans[0]["region"] = region
                row(rows, text, spans)
    # Addresses.
    for loc in ADDR_CTX:
        f = faker.Faker(loc)
        f.seed_instance(SEED * 7 + len(loc))
        made = 0
        while made < 40:
            street = f.street_address().replace("\n", ", ")
            if not any(c.isdigit() for c in street):
                continue
            city, post = f.city(), f.postcode()
            if loc == "en_US":
                value = f"{street}, {city}, {f.state_abbr()} {post}"
            elif loc == "en_GB":
                value = f"{street}, {city} {post}"
            elif loc == "pt_BR":
                value = f"{street}, {city} - {f.estado_sigla()}, {post}"
            else:
                value = f"{street}, {post} {city}"
            text, spans = place(R.choice(ADDR_CTX[loc]), value, "address")
            spans[0]["locale"] = loc
            row(rows, text, spans)
            made += 1
    # Secrets, in the shapes their issuers document.
    def rs(alphabet, n):
        return "".join(R.choice(alphabet) for _ in range(n))
    A, a, D = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789"
    AN, HEX, B64 = A + a + D, "0123456789abcdef", A + a + D + "+/"
    makers = {
        "gitlab": lambda: "glpat-" + rs(AN + "-_", 20),
        "stripe_secret": lambda: "sk_live_" + rs(AN, 24),
        "stripe_restricted": lambda: "rk_live_" + rs(AN, 24),
        "openai_project": lambda: "sk-proj-" + rs(AN + "-_", 48) + "T3BlbkFJ" + rs(AN + "-_", 48),
        "openai_legacy": lambda: "sk-" + rs(AN, 20) + "T3BlbkFJ" + rs(AN, 20),
        "huggingface": lambda: "hf_" + rs(A + a, 34),
        "npm": lambda: "npm_" + rs(AN, 36),
        "pypi": lambda: "pypi-AgEIcHlwaS5vcmc" + rs(AN + "-_", 50),
        "twilio_key": lambda: "SK" + rs(HEX, 32),
        "sendgrid": lambda: "SG." + rs(AN + "-_", 22) + "." + rs(AN + "-_", 43),
        "mailgun": lambda: "key-" + rs(HEX, 32),
        "digitalocean": lambda: "dop_v1_" + rs(HEX, 64),
        "shopify": lambda: "shpat_" + rs(HEX.upper()[:10] + "abcdef", 32),
        "square": lambda: "EAAA" + rs(AN + "-_", 60),
        "telegram_bot": lambda: str(R.randint(10**8, 10**10 - 1)) + ":AA" + rs(AN + "-_", 33),
        "discord": lambda: rs("MN", 1) + rs(AN, 23) + "." + rs(AN + "-_", 6) + "." + rs(AN + "-_", 38),
    }
    secret_ctx = ["export TOKEN={v}", "config: {{\"key\": \"{v}\"}}", "Use {v} in the header.", "chave = '{v}'", "clé : {v}", "Schlüssel {v} bitte nicht teilen"]
    for name, make in makers.items():
        for _ in range(8):
            tpl = R.choice(secret_ctx).replace("{{", "{").replace("}}", "}")
            text, spans = place(tpl, make(), "secret", {"issuer": name})
            row(rows, text, spans)
    for _ in range(16):   # AWS secret access keys beside their key id or name
        key = rs(A + a + D + "+/", 40)
        kid = "AKIA" + rs(A + D, 16)
        if R.random() < 0.5:
            text = f"aws_access_key_id = {kid}\naws_secret_access_key = {key}"
            s = text.index(key)
            row(rows, text, [{"start": text.index(kid), "end": text.index(kid) + 20, "kind": "secret", "issuer": "aws_key_id"},
                             {"start": s, "end": s + 40, "kind": "secret", "issuer": "aws_secret"}])
        else:
            text = f"AWS creds: {kid} / {key}"
            s = text.index(key)
            row(rows, text, [{"start": text.index(kid), "end": text.index(kid) + 20, "kind": "secret", "issuer": "aws_key_id"},
                             {"start": s, "end": s + 40, "kind": "secret", "issuer": "aws_secret"}])
    for _ in range(8):   # Azure storage connection strings
        key = rs(B64, 86) + "=="
        text = f"DefaultEndpointsProtocol=https;AccountName=acct{R.randint(1, 99)};AccountKey={key};EndpointSuffix=core.windows.net"
        s = text.index(key)
        row(rows, text, [{"start": s, "end": s + len(key), "kind": "secret", "issuer": "azure_storage"}])
    # Hard negatives.
    fk = faker.Faker("en_US"); fk.seed_instance(SEED + 77)
    negatives = []
    for _ in range(30):
        d = fk.date_object()
        negatives += [f"Published {d.isoformat()} and updated {d.strftime('%d/%m/%Y')}.", f"ISBN {fk.isbn13()}",
                      f"Total: ${R.randint(1, 99999):,}.{R.randint(0, 99):02d}", f"Upgrade to version {R.randint(1, 20)}.{R.randint(0, 30)}.{R.randint(0, 300)}",
                      f"Order #{R.randint(10**9, 10**10 - 1)} has shipped.", f"Tracking number {R.randint(10**11, 10**12 - 1)}",
                      f"Coordinates {R.uniform(-90, 90):.6f}, {R.uniform(-180, 180):.6f}", f"Invoice {R.randint(10**9, 10**10 - 1)} is due.",
                      f"Population in {R.randint(1900, 2020)}: {R.randint(10**6, 10**8):,}"]
    negatives += ["Take the avenue to the park, then the street by the river.", "A rua estava vazia e a avenida também.",
                  "La calle mayor y el camino viejo.", "La rue et le boulevard sont fermés.", "Die Straße und der Platz sind neu.",
                  "He scored 3 goals on Main Street Stadium night.", "Chapter 12 Street Fighting Men", "Sk-8 park opens at 10.",
                  "The password must have 8 characters.", "hf_hub_download is a function.", "Set key-value pairs in the config."]
    for t in negatives:
        row(rows, t, [])
    with open(ARGS.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    kinds = {}
    for r in rows:
        for s in r["spans"]:
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    print(json.dumps({"texts": len(rows), "labelled": kinds, "negatives": sum(1 for r in rows if not r["spans"])}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2222)
    ap.add_argument("--out", default=OUT)
    ARGS = ap.parse_args()
    SEED = ARGS.seed
    R.seed(SEED)
    main()
