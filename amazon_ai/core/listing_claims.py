"""Claims rules, over every text attribute (title, bullets, description,
search terms).

Sources (checked December 2026):

- Amazon Seller Central, "Prohibited product claims" (help 202024200, US):
  the FDA must approve a product intended for the diagnosis, cure,
  mitigation, treatment or prevention of disease; Amazon prohibits products
  that claim to cure, mitigate, treat or prevent diseases without FDA
  approval, with a list of example diseases (AIDS, ALS, Alzheimer's, ADD /
  ADHD, autism, bronchitis, blood clots, cancer, cardiovascular disease,
  coronaviruses, diabetes, ...), used for ``DISEASES``; the EPA regulates
  pesticide claims ("kills 99.9% of germs", antibacterial, antimicrobial,
  repels insects), which need an EPA registration; environmental claims must
  follow the FTC Green Guides: no broad unqualified claims ("eco-friendly",
  "environmentally friendly", "green"), qualifications specific and
  prominent, and California's limits on "biodegradable" / "compostable".
- Amazon Seller Central help 202115120, Amazon's pesticide policy page
  (beside 202024200 above): it defines which claims make a product a
  pesticide: antimicrobial, antifungal, antibacterial, anti-mold; that the
  product disinfects; that it repels insects. Those are the claims
  ``PESTICIDE`` looks for (with "kills 99.9% of germs" and sanitizing).
- "Made in USA": the FTC's Made in USA Labeling Rule ("all or virtually all"
  made in the United States), which the FTC reminded Amazon of in its
  July 2025 letters about third-party sellers' listings; supported here by
  the product's ``country_of_origin``.

The environmental rule is a warning: whether a qualification is specific
enough needs a person. A qualification counts when the same sentence has a
percentage, a certification or standard (ASTM D6400, EN 13432, FSC, OEKO-TEX,
"certified"), a time frame ("within 180 days") or composting facilities.
"""

import re

from .listing_findings import WARNING, finding, scan

PESTICIDE = re.compile(
    r"\bkills?\s+(?:up to\s+)?\d{2}(?:\.\d+)?\s?%\s+of\s+\w+"
    r"|\b(?:kills?|eliminates?|destroys?)\s+(?:\w+\s+){0,2}?"
    r"(?:germs?|bacteria|viruse?s?|microbes?|mold|mould|fungus|fungi|bugs?|"
    r"insects?|mites?|lice|fleas?|ticks?|mosquito(?:e?s)?|pests?)\b"
    r"|\banti[- ]?(?:bacterial|microbial|viral|fungal|mou?ld|septic)\b"
    r"|\bgerm[- ]?(?:free|killing|resistant)\b|\bgermicid\w*"
    r"|\b(?:sanitiz|sanitis|disinfect|steriliz|sterilis)\w*"
    r"|\brepels?\s+(?:\w+\s+)?(?:insects?|mosquito(?:e?s)?|bugs?|ticks?|fleas?|pests?)\b"
    r"|\b(?:insect|bug|mosquito) repellent\b|\bpesticid\w*",
    re.IGNORECASE,
)

DISEASES = (
    r"(?-i:AIDS|HIV|ALS|ADD|ADHD|STDs?|SARS|COVID(?:-19)?)"
    r"|alzheimer'?s?|autism|bronchitis|blood clots?"
    r"|cancers?|tumou?rs?|cardiovascular diseases?|heart diseases?|celiac"
    r"|chlamydia|coronavirus(?:es)?|covid(?:-19)?|cystic fibrosis|depression"
    r"|diabetes|ebola|influenza|flu|glaucoma|hepatitis|herpes|hpv"
    r"|kidney diseases?|liver diseases?|lupus|parkinson'?s?|pneumonia"
    r"|stroke|tuberculosis|arthritis|asthma|anxiety|insomnia|hypertension"
    r"|high blood pressure|infections?|obesity|dementia|migraines?|eczema"
    r"|psoriasis"
)
MEDICAL = re.compile(
    r"\b(?:cures?|cured|curing|treats?|treating|treatment (?:of|for)"
    r"|prevents?|preventing|prevention of|heals?|healing|mitigates?|reverses?"
    r"|fights?|relieves?|relief (?:of|from)|protects? against)\b"
    r"(?:\s+[\w'-]+){0,3}?\s+(?:" + DISEASES + r")\b"
    r"|\b(?:" + DISEASES + r")\s+(?:cure|treatment|remedy)\b"
    r"|\bclinically proven to (?:cure|treat|prevent)\b",
    re.IGNORECASE,
)

FDA = re.compile(
    r"\bFDA[- ](?:approved|approval|certified|certification|registered)\b"
    r"|\bapproved by (?:the )?FDA\b",
    re.IGNORECASE,
)

ENVIRONMENTAL = re.compile(
    r"\beco[- ]?friendly\b|\benvironment(?:ally)?[- ]friendly\b"
    r"|\b(?:earth|planet|ocean)[- ]friendly\b|\bbio[- ]?degradable\b"
    r"|\bcompostable\b|\bsustainable\b|\bcarbon[- ]neutral\b"
    r"|\bgood for the (?:planet|environment|earth)\b|\bgreen product\b"
    r"|\bzero[- ]waste\b|\bnon[- ]?toxic\b",
    re.IGNORECASE,
)
QUALIFIED = re.compile(
    r"\d+(?:\.\d+)?\s?%|\bcertifi|\bASTM\b|\bEN ?13432\b|\bFSC\b|\bOEKO"
    r"|\bwithin \d+ (?:days?|weeks?|months?|years?)\b|\bfacilit|\bBPI\b"
    r"|\bTÜV\b|\bGOTS\b|\bCradle to Cradle\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.;!?\n]+[.;!?\n]?")

MADE_IN_USA = re.compile(
    r"\b(?:made|manufactured|produced|built|crafted|assembled)\s+in\s+"
    r"(?:the\s+)?(?:usa|u\.s\.a\.?|u\.s\.?|united states(?: of america)?|america)"
    # Not inside a longer word or abbreviation ("U.S.A" cut at "U.S"), but a
    # sentence's full stop may follow: "Made in USA." is the claim's usual form.
    r"(?!\w)(?!\.\w)"
    r"|\b(?:usa|american)[- ]made\b|\b100\s?% (?:usa|american)\b",
    re.IGNORECASE,
)
PESTICIDE_TRIGGERS = (
    "kill",
    "eliminat",
    "destroy",
    "anti",
    "germ",
    "sanitiz",
    "sanitis",
) + ("disinfect", "steriliz", "sterilis", "repel", "pesticid")
MEDICAL_TRIGGERS = (
    "cur",
    "treat",
    "prevent",
    "heal",
    "mitigat",
    "revers",
    "fight",
    "reliev",
) + ("relief", "protect", "clinically", "remedy")
ENVIRONMENTAL_TRIGGERS = (
    "eco",
    "environment",
    "friendly",
    "degradable",
    "compostable",
    "sustainable",
) + ("carbon", "good for the", "green product", "waste", "toxic")
MADE_IN_USA_TRIGGERS = ("usa", "u.s", "united states", "america")
US_ORIGINS = frozenset({"us", "usa", "united states", "united states of america"})


def _texts(listing):
    """(attribute, index, text) for every text attribute of the listing."""
    yield "item_name", None, listing.get("title") or ""
    for index, bullet in enumerate(listing.get("bullets") or ()):
        yield "bullet_point", index, bullet or ""
    yield "product_description", None, listing.get("description") or ""
    yield "generic_keyword", None, listing.get("search_terms") or ""


def _environmental(text, attribute, index):
    if not any(True for _ in scan(ENVIRONMENTAL, text, ENVIRONMENTAL_TRIGGERS)):
        return []
    out = []
    for sentence in SENTENCE.finditer(text):
        if QUALIFIED.search(sentence.group(0)):
            continue
        for match in ENVIRONMENTAL.finditer(sentence.group(0)):
            span = (
                sentence.start() + match.start(),
                sentence.start() + match.end(),
                match.group(0),
            )
            out.append(finding("claim.environmental", attribute, span, index=index))
    return out


def _made_in_usa(text, attribute, index, product):
    origin = (product or {}).get("country_of_origin")
    origin_key = str(origin or "").strip().casefold()
    out = []
    for match in scan(MADE_IN_USA, text, MADE_IN_USA_TRIGGERS):
        if origin_key in US_ORIGINS:
            continue
        if origin_key:
            out.append(
                finding(
                    "claim.made_in_usa", attribute, match, index=index, origin=origin
                )
            )
        else:
            out.append(
                finding("claim.made_in_usa_unsupported", attribute, match, index=index)
            )
    return out


def check_claims(listing, product=None):
    product = product or {}
    # A registered pesticide may make pesticide claims: kept as a warning so
    # a person checks the claim matches the registration.
    pesticide_severity = WARNING if product.get("epa_registration") else None
    out = []
    for attribute, index, text in _texts(listing):
        if not text:
            continue
        for match in scan(PESTICIDE, text, PESTICIDE_TRIGGERS):
            out.append(
                finding(
                    "claim.pesticide",
                    attribute,
                    match,
                    index=index,
                    severity=pesticide_severity,
                )
            )
        for pattern, rule, triggers in (
            (MEDICAL, "claim.medical", MEDICAL_TRIGGERS),
            (FDA, "claim.fda", ("fda",)),
        ):
            matches = scan(pattern, text, triggers)
            out += [finding(rule, attribute, m, index=index) for m in matches]
        out += _environmental(text, attribute, index)
        out += _made_in_usa(text, attribute, index, product)
    return out
