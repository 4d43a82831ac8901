"""Synthetic people and addresses per country, with non-ASCII on purpose.

Every value is invented; phone numbers use the ranges reserved for fiction.
"""

PEOPLE = {
    "US": (
        ("Zoë", "Ångström"),
        ("José", "Núñez"),
        ("Amelia", "O'Connor"),
        ("Liam", "Carter"),
        ("Chloé", "Dubois-Smith"),
        ("Nguyễn", "Văn An"),
        ("Ava", "Kowalczyk"),
        ("Mateo", "García"),
    ),
    "CA": (
        ("Élodie", "Tremblay"),
        ("François", "Côté"),
        ("Noah", "MacDonald"),
        ("Siobhán", "Gagné"),
    ),
    "GB": (
        ("Saoirse", "Ní Bhriain"),
        ("Oliver", "Smythe-Jones"),
        ("Amélie", "Hughes"),
        ("Rhys", "Llewellyn"),
    ),
    "DE": (
        ("Jürgen", "Müller"),
        ("Bärbel", "Größmann"),
        ("Lukas", "Schäfer"),
        ("Zoë", "Weiß"),
    ),
    "FR": (
        ("Hélène", "Lefèvre"),
        ("Benoît", "Mercier"),
        ("Françoise", "Dupré"),
        ("Anaïs", "Lemaître"),
    ),
    "JP": (
        ("太郎", "山田"),
        ("花子", "佐藤"),
        ("翔", "鈴木"),
        ("さくら", "高橋"),
    ),
}

# (street template, city, state/region, postal code template, phone prefix)
PLACES = {
    "US": (
        ("{n} Maple Street", "Seattle", "WA", "981{d2}", "+1 206 555 01{d2}"),
        ("{n} Ocean Avenue", "San Diego", "CA", "921{d2}", "+1 619 555 01{d2}"),
        ("{n} Peachtree Road", "Atlanta", "GA", "303{d2}", "+1 404 555 01{d2}"),
    ),
    "CA": (
        ("{n} rue Saint-Denis", "Montréal", "QC", "H2X {d1}A{d1}", "+1 514 555 01{d2}"),
        ("{n} King Street West", "Toronto", "ON", "M5H {d1}N{d1}", "+1 416 555 01{d2}"),
    ),
    "GB": (
        ("{n} Oak Avenue", "London", "England", "SW1A {d1}AA", "+44 20 7946 0{d3}"),
        (
            "{n} Heol y Frenhines",
            "Cardiff",
            "Wales",
            "CF10 {d1}AB",
            "+44 29 2018 0{d3}",
        ),
    ),
    "DE": (
        ("Königstraße {n}", "Stuttgart", "BW", "701{d2}", "+49 30 12345{d3}"),
        ("Müllerstraße {n}", "Berlin", "BE", "133{d2}", "+49 30 12346{d3}"),
        ("Schloßallee {n}", "München", "BY", "803{d2}", "+49 89 12345{d3}"),
    ),
    "FR": (
        ("{n} rue de l'Église", "Besançon", "Doubs", "250{d2}", "+33 1 99 00 0{d3}"),
        (
            "{n} avenue des Champs-Élysées",
            "Paris",
            "Île-de-France",
            "750{d2}",
            "+33 1 99 00 1{d3}",
        ),
    ),
    "JP": (
        ("神南1-{n}-3", "渋谷区", "東京都", "150-00{d2}", "+81 3 5555 0{d3}"),
        ("梅田2-{n}-1", "大阪市北区", "大阪府", "530-00{d2}", "+81 6 5555 0{d3}"),
    ),
}

GIFT_MESSAGES = (
    "Happy birthday, Zoë! 🎉",
    "Alles Gute zum Geburtstag, Jürgen!",
    "Joyeux Noël à toute la famille ❤",
    "お誕生日おめでとう！",
    "For Ångström, with love",
)

COMPANIES = (
    "Ångström Labs Inc.",
    "Müller & Söhne GmbH",
    "Lefèvre SARL",
    "山田商事株式会社",
)


def person(rng, country):
    first, last = rng.choice(PEOPLE[country])
    if country == "JP":
        return f"{last} {first}"
    return f"{first} {last}"


def address(rng, country, name):
    street, city, state, postal, phone = rng.choice(PLACES[country])
    digits = {
        "n": rng.randint(1, 999),
        "d1": rng.randint(1, 9),
        "d2": f"{rng.randint(0, 99):02d}",
        "d3": f"{rng.randint(0, 999):03d}",
    }
    return {
        "name": name,
        "addressLine1": street.format(**digits),
        "city": city,
        "stateOrRegion": state,
        "postalCode": postal.format(**digits),
        "countryCode": country,
        "phone": phone.format(**digits),
        "addressType": "RESIDENTIAL",
    }
