"""Address plausibility per destination country, without any outbound call.

Carriers reject what does not parse, so a postal code that cannot exist or a
region the country does not have costs the seller a label and a late order.
Findings never quote the address itself: reasons end up in Odoo fields and
must stay free of PII.
"""

import re
import unicodedata

# Amazon marketplace id -> country of that marketplace.
MARKETPLACE_COUNTRY = {
    "ATVPDKIKX0DER": "US",
    "A2EUQ1WTGCTBG2": "CA",
    "A1AM78C64UM0Y8": "MX",
    "A2Q3Y263D00KWC": "BR",
    "A1F83G8C2ARO7P": "GB",
    "A1PA6795UKMFR9": "DE",
    "A13V1IB3VIYZZH": "FR",
    "APJ6JRA9NG5V4": "IT",
    "A1RKKUPIHCS9HS": "ES",
    "A1805IZSGTT6HS": "NL",
    "A2NODRKZP88ZB9": "SE",
    "A1C3SOZRARQ6R3": "PL",
    "AMEN7PMS3EDWL": "BE",
    "A28R8C7NBKEWEA": "IE",
    "A33AVAJ2PDY3EV": "TR",
    "ARBP9OOSHTCHU": "EG",
    "A17E79C6D8DWNP": "SA",
    "A2VIGQ35RCS4UG": "AE",
    "A21TJRUUN4KGV": "IN",
    "A1VC38T7YXB528": "JP",
    "A39IBJ37TRP1C6": "AU",
    "A19VAU5U5O7RUS": "SG",
    "AE08WJ6YKNBMC": "ZA",
}

# Marketplaces that routinely ship within a trade area (no customs, same
# carriers): a destination inside the area is unusual, not alarming.
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
TRADE_AREAS = (EU | {"CH", "NO", "GB", "LI", "MC"}, frozenset({"US", "CA", "PR"}))

POSTAL_FORMATS = {
    "US": (r"\d{5}(-?\d{4})?", "5 digits, optional +4"),
    "CA": (r"[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d", "A1A 1A1"),
    "GB": (
        (
            r"(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
            r"|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})"
        ),
        "outward and inward code, e.g. SW1A 1AA",
    ),
    "DE": (r"\d{5}", "5 digits"),
    "FR": (r"(0[1-9]|[1-8]\d|9[0-8])\d{3}", "5 digits"),
    "IT": (r"\d{5}", "5 digits"),
    "ES": (r"(0[1-9]|[1-4]\d|5[0-2])\d{3}", "5 digits from 01000 to 52999"),
    "JP": (r"\d{3}-?\d{4}", "123-4567"),
    "AU": (r"\d{4}", "4 digits"),
    "MX": (r"\d{5}", "5 digits"),
    "IN": (r"[1-9]\d{2} ?\d{3}", "6 digits"),
    "BR": (r"\d{5}-?\d{3}", "12345-678"),
    "NL": (r"[1-9]\d{3} ?[A-Z]{2}", "1234 AB"),
    "BE": (r"[1-9]\d{3}", "4 digits"),
    "AT": (r"[1-9]\d{3}", "4 digits"),
    "CH": (r"[1-9]\d{3}", "4 digits"),
    "SE": (r"[1-9]\d{2} ?\d{2}", "123 45"),
    "PL": (r"\d{2}-?\d{3}", "12-345"),
    "PT": (r"\d{4}-?\d{3}", "1234-567"),
    "DK": (r"\d{4}", "4 digits"),
    "NO": (r"\d{4}", "4 digits"),
    "FI": (r"\d{5}", "5 digits"),
    "IE": (r"[AC-FHKNPRTV-Y]\d{2}|D6W ?[0-9AC-FHKNPRTV-Y]{4}", "Eircode"),
    "SG": (r"\d{6}", "6 digits"),
    "TR": (r"\d{5}", "5 digits"),
    "SA": (r"\d{5}(-?\d{4})?", "5 digits"),
    "EG": (r"\d{5}", "5 digits"),
    "ZA": (r"\d{4}", "4 digits"),
    "NZ": (r"\d{4}", "4 digits"),
    "CN": (r"\d{6}", "6 digits"),
    "KR": (r"\d{5}", "5 digits"),
}
_POSTAL_RE = {c: re.compile(p) for c, (p, _) in POSTAL_FORMATS.items()}
# Countries with no postal codes in common use: a missing one is normal.
POSTAL_OPTIONAL = frozenset({"IE", "AE", "HK", "QA", "PA"})

_US = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "GU",
    "VI",
    "AS",
    "MP",
    "AA",
    "AE",
    "AP",
]
# Full region names -> their codes (the names are accepted as regions too).
_US_NAMES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "wisconsin": "WI",
    "wyoming": "WY",
    "guam": "GU",
    "district of columbia": "DC",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "west virginia": "WV",
    "puerto rico": "PR",
}
_CA = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
_CA_NAMES = {
    "alberta": "AB",
    "british columbia": "BC",
    "colombie-britannique": "BC",
    "manitoba": "MB",
    "new brunswick": "NB",
    "nouveau-brunswick": "NB",
    "newfoundland and labrador": "NL",
    "terre-neuve-et-labrador": "NL",
    "nova scotia": "NS",
    "nouvelle-ecosse": "NS",
    "northwest territories": "NT",
    "nunavut": "NU",
    "ontario": "ON",
    "prince edward island": "PE",
    "ile-du-prince-edouard": "PE",
    "quebec": "QC",
    "saskatchewan": "SK",
    "yukon": "YT",
}
_AU = ["ACT", "NSW", "NT", "QLD", "SA", "TAS", "VIC", "WA"] + [
    "australian capital territory",
    "new south wales",
    "northern territory",
    "queensland",
    "south australia",
    "tasmania",
    "victoria",
    "western australia",
]
_DE = [
    "BW",
    "BY",
    "BE",
    "BB",
    "HB",
    "HH",
    "HE",
    "MV",
    "NI",
    "NW",
    "RP",
    "SL",
    "SN",
    "ST",
    "SH",
    "TH",
] + [
    "baden-wurttemberg",
    "bayern",
    "berlin",
    "brandenburg",
    "bremen",
    "hamburg",
    "hessen",
    "mecklenburg-vorpommern",
    "niedersachsen",
    "nordrhein-westfalen",
    "rheinland-pfalz",
    "saarland",
    "sachsen",
    "sachsen-anhalt",
    "schleswig-holstein",
    "thuringen",
]
_MX = [
    "AGU",
    "BCN",
    "BCS",
    "CAM",
    "CHP",
    "CHH",
    "CMX",
    "COA",
    "COL",
    "DUR",
    "GUA",
    "GRO",
    "HID",
    "JAL",
    "MEX",
    "MIC",
    "MOR",
    "NAY",
    "NLE",
    "OAX",
    "PUE",
    "QUE",
    "ROO",
    "SLP",
    "SIN",
    "SON",
    "TAB",
    "TAM",
    "TLA",
    "VER",
    "YUC",
    "ZAC",
    "DF",
] + [
    "aguascalientes",
    "baja california",
    "baja california sur",
    "campeche",
    "chiapas",
    "chihuahua",
    "ciudad de mexico",
    "coahuila",
    "colima",
    "durango",
    "guanajuato",
    "guerrero",
    "hidalgo",
    "jalisco",
    "estado de mexico",
    "mexico",
    "michoacan",
    "morelos",
    "nayarit",
    "nuevo leon",
    "oaxaca",
    "puebla",
    "queretaro",
    "quintana roo",
    "san luis potosi",
    "sinaloa",
    "sonora",
    "tabasco",
    "tamaulipas",
    "tlaxcala",
    "veracruz",
    "yucatan",
    "zacatecas",
]
_IN = [
    "andhra pradesh",
    "arunachal pradesh",
    "assam",
    "bihar",
    "chhattisgarh",
    "goa",
    "gujarat",
    "haryana",
    "himachal pradesh",
    "jharkhand",
    "karnataka",
    "kerala",
    "madhya pradesh",
    "maharashtra",
    "manipur",
    "meghalaya",
    "mizoram",
    "nagaland",
    "odisha",
    "punjab",
    "rajasthan",
    "sikkim",
    "tamil nadu",
    "telangana",
    "tripura",
    "uttar pradesh",
    "uttarakhand",
    "west bengal",
    "andaman and nicobar islands",
    "chandigarh",
    "dadra and nagar haveli and daman and diu",
    "delhi",
    "new delhi",
    "jammu and kashmir",
    "ladakh",
    "lakshadweep",
    "puducherry",
]
_JP_ROMAJI = [
    "hokkaido",
    "aomori",
    "iwate",
    "miyagi",
    "akita",
    "yamagata",
    "fukushima",
    "ibaraki",
    "tochigi",
    "gunma",
    "saitama",
    "chiba",
    "tokyo",
    "kanagawa",
    "niigata",
    "toyama",
    "ishikawa",
    "fukui",
    "yamanashi",
    "nagano",
    "gifu",
    "shizuoka",
    "aichi",
    "mie",
    "shiga",
    "kyoto",
    "osaka",
    "hyogo",
    "nara",
    "wakayama",
    "tottori",
    "shimane",
    "okayama",
    "hiroshima",
    "yamaguchi",
    "tokushima",
    "kagawa",
    "ehime",
    "kochi",
    "fukuoka",
    "saga",
    "nagasaki",
    "kumamoto",
    "oita",
    "miyazaki",
    "kagoshima",
    "okinawa",
]
_JP_KANJI = [
    "北海道",
    "青森",
    "岩手",
    "宮城",
    "秋田",
    "山形",
    "福島",
    "茨城",
    "栃木",
    "群馬",
    "埼玉",
    "千葉",
    "東京",
    "神奈川",
    "新潟",
    "富山",
    "石川",
    "福井",
    "山梨",
    "長野",
    "岐阜",
    "静岡",
    "愛知",
    "三重",
    "滋賀",
    "京都",
    "大阪",
    "兵庫",
    "奈良",
    "和歌山",
    "鳥取",
    "島根",
    "岡山",
    "広島",
    "山口",
    "徳島",
    "香川",
    "愛媛",
    "高知",
    "福岡",
    "佐賀",
    "長崎",
    "熊本",
    "大分",
    "宮崎",
    "鹿児島",
    "沖縄",
]


def normalize(text):
    """Lower case without accents or dots: 'Québec' and 'quebec' match."""
    text = str(text or "")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().replace(".", "").split())


def _jp_names():
    names = set(_JP_KANJI)
    for kanji in _JP_KANJI:
        names.add(kanji + ("" if kanji == "北海道" else "県"))
    names.update({"東京都", "大阪府", "京都府"})
    for romaji in _JP_ROMAJI:
        names.update({romaji, romaji + "-ken", romaji + " ken", romaji + "-to"})
        names.update({romaji + "-fu", romaji + " prefecture"})
    return names


STATES = {
    "US": {normalize(s) for s in [*_US, *_US_NAMES]},
    "CA": {normalize(s) for s in [*_CA, *_CA_NAMES]},
    "AU": {normalize(s) for s in _AU},
    "DE": {normalize(s) for s in _DE},
    "MX": {normalize(s) for s in _MX},
    "IN": {normalize(s) for s in _IN},
    "JP": {normalize(s) for s in _jp_names()},
}
STATE_REQUIRED = frozenset({"US", "CA", "AU", "MX", "IN", "JP"})

# First character of the postal code -> regions it can belong to.
_US_ZIP = {
    "0": "CT MA ME NH NJ NY PR RI VT VI AA AE",
    "1": "DE NY PA AE",
    "2": "DC MD NC SC VA WV",
    "3": "AL FL GA MS TN AA",
    "4": "IN KY MI OH",
    "5": "IA MN MT ND SD WI",
    "6": "IL KS MO NE",
    "7": "AR LA OK TX",
    "8": "AZ CO ID NM NV UT WY",
    "9": "AK CA HI OR WA GU AS MP AP",
}
_CA_POSTAL = {
    "A": "NL",
    "B": "NS",
    "C": "PE",
    "E": "NB",
    "G": "QC",
    "H": "QC",
    "J": "QC",
    "K": "ON",
    "L": "ON",
    "M": "ON",
    "N": "ON",
    "P": "ON",
    "R": "MB",
    "S": "SK",
    "T": "AB",
    "V": "BC",
    "X": "NT NU",
    "Y": "YT",
}
_NAME_TO_CODE = {
    "US": {normalize(name): code for name, code in _US_NAMES.items()},
    "CA": {normalize(name): code for name, code in _CA_NAMES.items()},
}

PO_BOX = re.compile(
    r"\b(p\s*o\s*box|post\s*office\s*box|pobox|postfach|boite postale|bp \d+"
    r"|apartado( de correos)?|casella postale|postbus|skrytka pocztowa)\b"
)
PO_BOX_JP = "私書箱"
# Service levels carriers deliver by courier only: no PO boxes.
COURIER_ONLY = frozenset(
    {"NEXT_DAY", "SAME_DAY", "SECOND_DAY", "EXPEDITED", "PRIORITY"}
)


def postal_valid(country, postal):
    """None when the country's format is unknown (no opinion)."""
    pattern = _POSTAL_RE.get(country)
    if pattern is None:
        return None
    code = " ".join(str(postal).upper().split())
    return pattern.fullmatch(code) is not None


def _state_code(country, state):
    key = normalize(state)
    if country == "US":
        return _NAME_TO_CODE["US"].get(key, key.upper())
    if country == "CA":
        return _NAME_TO_CODE["CA"].get(key, key.upper())
    return key.upper()


def postal_matches_state(country, postal, state):
    """None when there is no rule for the country: only US and CA are checked."""
    code = str(postal).strip().upper()
    if not code or not state:
        return None
    table = {"US": _US_ZIP, "CA": _CA_POSTAL}.get(country)
    if table is None or code[0] not in table:
        return None
    return _state_code(country, state) in table[code[0]].split()


def has_po_box(address):
    lines = " ".join(
        str(address.get(key) or "")
        for key in ("addressLine1", "addressLine2", "addressLine3")
    )
    return bool(PO_BOX.search(normalize(lines))) or PO_BOX_JP in lines


def same_trade_area(country_a, country_b):
    return any(country_a in area and country_b in area for area in TRADE_AREAS)


def check_address(address, service_level=""):
    """Findings as (code, points, reason) for one delivery address.

    A coarse address (no street yet: Amazon shares it only after payment
    authorization) is not judged incomplete, only checked for what it has.
    """
    findings = []
    country = str(address.get("countryCode") or "").upper()
    postal = str(address.get("postalCode") or "").strip()
    state = str(address.get("stateOrRegion") or "").strip()
    full = bool(address.get("addressLine1") or address.get("name"))
    missing = [
        label
        for key, label in (("addressLine1", "street"), ("city", "city"))
        if full and not str(address.get(key) or "").strip()
    ]
    if not country:
        missing.append("country")
    if not postal and country and country not in POSTAL_OPTIONAL:
        missing.append("postal code")
    if full and not state and country in STATE_REQUIRED:
        missing.append("state or region")
    if missing:
        findings.append(
            (
                "address_incomplete",
                35,
                "The delivery address has no %s." % " and no ".join(missing),
            )
        )
    if postal and postal_valid(country, postal) is False:
        fmt = POSTAL_FORMATS[country][1]
        findings.append(
            (
                "postal_invalid",
                50,
                f"The postal code does not match the {country} format ({fmt}).",
            )
        )
    elif state and country in STATES and normalize(state) not in STATES[country]:
        findings.append(
            ("state_invalid", 30, f"The state or region is not a {country} region.")
        )
    elif postal and postal_matches_state(country, postal, state) is False:
        findings.append(
            (
                "postal_state_mismatch",
                30,
                "The postal code belongs to another state or province.",
            )
        )
    if has_po_box(address) and service_level in COURIER_ONLY:
        findings.append(
            (
                "po_box_express",
                30,
                "Rushed shipping to a PO box: express carriers refuse them.",
            )
        )
    return findings
