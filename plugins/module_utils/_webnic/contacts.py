# -*- coding: utf-8 -*-
# Internal to the webnic.ssl collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contacts for OV/EV orders: input checks, normalisation, field mapping, identity.

WebNIC has no contact search, so a contact's identity is the fingerprint of its normalised
fields; ``ContactCache`` remembers which contact ids were created for which fingerprint, per API
URL and username, so that a rerun finds the contacts it made instead of creating them again.
"""

import errno
import hashlib
import json
import os
import re
import tempfile
import time

from .failures import FieldProblem

# ISO 3166-1 alpha-2, officially assigned codes.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_COUNTRY_CODES.split())

# ITU-T E.164 country calling codes -> the ISO countries using them. The set of codes is
# prefix-free, which is what lets "+60312345678" be split into "+60.312345678" without guessing.
_CALLING_CODES = """
1:US,CA,AG,AI,AS,BB,BM,BS,DM,DO,GD,GU,JM,KN,KY,LC,MP,MS,PR,SX,TC,TT,VC,VG,VI 7:RU,KZ
20:EG 27:ZA 30:GR 31:NL 32:BE 33:FR 34:ES 36:HU 39:IT,VA 40:RO 41:CH 43:AT 44:GB,GG,JE,IM 45:DK
46:SE 47:NO,SJ 48:PL 49:DE 51:PE 52:MX 53:CU 54:AR 55:BR 56:CL 57:CO 58:VE 60:MY 61:AU,CX,CC 62:ID
63:PH 64:NZ,PN 65:SG 66:TH 81:JP 82:KR 84:VN 86:CN 90:TR 91:IN 92:PK 93:AF 94:LK 95:MM 98:IR
211:SS 212:MA,EH 213:DZ 216:TN 218:LY 220:GM 221:SN 222:MR 223:ML 224:GN 225:CI 226:BF 227:NE
228:TG 229:BJ 230:MU 231:LR 232:SL 233:GH 234:NG 235:TD 236:CF 237:CM 238:CV 239:ST 240:GQ 241:GA
242:CG 243:CD 244:AO 245:GW 246:IO 248:SC 249:SD 250:RW 251:ET 252:SO 253:DJ 254:KE 255:TZ 256:UG
257:BI 258:MZ 260:ZM 261:MG 262:RE,YT 263:ZW 264:NA 265:MW 266:LS 267:BW 268:SZ 269:KM 290:SH
291:ER 297:AW 298:FO 299:GL 350:GI 351:PT 352:LU 353:IE 354:IS 355:AL 356:MT 357:CY 358:FI,AX
359:BG 370:LT 371:LV 372:EE 373:MD 374:AM 375:BY 376:AD 377:MC 378:SM 380:UA 381:RS 382:ME 385:HR
386:SI 387:BA 389:MK 420:CZ 421:SK 423:LI 500:FK 501:BZ 502:GT 503:SV 504:HN 505:NI 506:CR 507:PA
508:PM 509:HT 590:GP,BL,MF 591:BO 592:GY 593:EC 594:GF 595:PY 596:MQ 597:SR 598:UY 599:CW,BQ
670:TL 672:NF,AQ 673:BN 674:NR 675:PG 676:TO 677:SB 678:VU 679:FJ 680:PW 681:WF 682:CK 683:NU
685:WS 686:KI 687:NC 688:TV 689:PF 690:TK 691:FM 692:MH 850:KP 852:HK 853:MO 855:KH 856:LA 880:BD
886:TW 960:MV 961:LB 962:JO 963:SY 964:IQ 965:KW 966:SA 967:YE 968:OM 970:PS 971:AE 972:IL 973:BH
974:QA 975:BT 976:MN 977:NP 992:TJ 993:TM 994:AZ 995:GE 996:KG 998:UZ
"""
CALLING_CODES = {}
for _item in _CALLING_CODES.split():
    _code, _countries = _item.split(":")
    CALLING_CODES[_code] = tuple(_countries.split(","))
del _item, _code, _countries

# (module option, WebNIC field). Shared by contacts and organizations.
ADDRESS_FIELDS = (
    ("address1", "address1"),
    ("address2", "address2"),
    ("city", "city"),
    ("province", "state"),
    ("country_code", "countryCode"),
    ("zip", "zip"),
    ("phone_number", "phoneNumber"),
)
CONTACT_FIELDS = (
    ("company", "company"),
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    *ADDRESS_FIELDS,
    ("fax_number", "faxNumber"),
    ("email", "email"),
)
CONTACT_REQUIRED = ("first_name", "last_name", "address1", "city", "country_code", "phone_number", "email")
ROLES = ("administrator", "technical")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@" + _LABEL + r"(?:\." + _LABEL + r")+$")
_PHONE_CHARS = re.compile(r"^[0-9+().\-/\s]+$")
_TRUNK_ZERO = re.compile(r"\(0\)")


def normalise_text(value):
    """Trimmed, inner whitespace collapsed; None for empty."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def check_country_code(value, field="country_code"):
    code = normalise_text(value).upper()
    if code not in COUNTRY_CODES:
        raise FieldProblem(
            field,
            "%r is not an ISO 3166-1 alpha-2 country code" % (value,),
            "Use the two-letter code, for example MY, SG, US or GB (UK is not valid: use GB)",
        )
    return code


def check_email(value, field="email"):
    address = normalise_text(value)
    if not _EMAIL.match(address) or len(address) > 254:
        raise FieldProblem(field, "%r is not an e-mail address" % (value,), "Give an address like admin@example.com")
    local, domain = address.rsplit("@", 1)
    return "%s@%s" % (local, domain.lower())


def _split_calling_code(digits):
    for length in (1, 2, 3):
        if digits[:length] in CALLING_CODES:
            return digits[:length], digits[length:]
    return None, digits


def normalise_phone(value, field="phone_number"):
    """Return the API's ``+CC.number`` form of a phone number, or raise FieldProblem.

    Accepted: ``+60.312345678``, ``+60 3-1234 5678``, ``+60312345678``, ``0060 3 1234 5678``,
    ``(+60) 3 1234 5678``, ``+44 (0)20 7946 0000``. A number without a country calling code is
    refused rather than guessed: trunk prefixes differ per country.
    """
    fix = "Write it with the country calling code, as +CC.number (for example +60.312345678)"
    text = normalise_text(value)
    if not text:
        raise FieldProblem(field, "is empty", fix)
    if not _PHONE_CHARS.match(text):
        raise FieldProblem(field, "%r contains characters that are not part of a phone number" % (value,), fix)
    text = _TRUNK_ZERO.sub("", text)
    compact = re.sub(r"[\s().\-/]", "", text)
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    else:
        raise FieldProblem(field, "%r has no country calling code" % (value,), fix)
    if not digits.isdigit():
        raise FieldProblem(field, "%r is not a phone number" % (value,), fix)
    code, number = _split_calling_code(digits)
    if code is None:
        raise FieldProblem(field, "%r does not start with a known country calling code" % (value,), fix)
    if not 4 <= len(number) <= 14 or len(digits) > 15:
        raise FieldProblem(
            field, "%r has %d digits after +%s; a phone number has 4 to 14" % (value, len(number), code), fix
        )
    return "+%s.%s" % (code, number)


def normalise_contact(params, prefix):
    """Checked and normalised contact options (module names) of one role; raises FieldProblem."""
    params = params or {}
    result = {}
    for option, _api in CONTACT_FIELDS:
        value = normalise_text(params.get(option))
        if value:
            result[option] = value
    for option in CONTACT_REQUIRED:
        if option not in result:
            raise FieldProblem(
                "%s.%s" % (prefix, option),
                "is required",
                "Mandatory contact fields: %s" % ", ".join(CONTACT_REQUIRED),
            )
    result["country_code"] = check_country_code(result["country_code"], "%s.country_code" % prefix)
    result["email"] = check_email(result["email"], "%s.email" % prefix)
    for option in ("phone_number", "fax_number"):
        if option in result:
            result[option] = normalise_phone(result[option], "%s.%s" % (prefix, option))
    return result


def to_api(contact):
    """Module option names -> WebNIC field names."""
    return {api: contact[option] for option, api in CONTACT_FIELDS if contact.get(option)}


def from_api(data):
    """WebNIC contact object -> normalised module option names (for comparison and output)."""
    data = data or {}
    result = {}
    for option, api in CONTACT_FIELDS:
        value = normalise_text(data.get(api))
        if not value:
            continue
        if option == "country_code":
            value = value.upper()
        elif option == "email" and "@" in value:
            local, domain = value.rsplit("@", 1)
            value = "%s@%s" % (local, domain.lower())
        elif option in ("phone_number", "fax_number"):
            try:
                value = normalise_phone(value, option)
            except FieldProblem:
                pass
        result[option] = value
    return result


def contact_differences(wanted, actual):
    """Option names whose values differ between two normalised contacts (case-insensitive e-mail)."""
    differences = []
    for option, _api in CONTACT_FIELDS:
        mine, theirs = wanted.get(option, ""), actual.get(option, "")
        if option == "email":
            mine, theirs = mine.lower(), theirs.lower()
        if mine != theirs:
            differences.append(option)
    return differences


def fingerprint(contacts):
    """Identity of a set of contacts: sha256 over their normalised fields, per role."""
    canonical = json.dumps(
        {role: {k: (v.lower() if k == "email" else v) for k, v in sorted(c.items())} for role, c in contacts.items()},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def created_ids(data):
    """``{role: contact_id}`` from a Create Contact answer (a list of {contactType, contactId} or a dict)."""
    result = {}
    items = data
    if isinstance(data, dict):
        items = data.get("contacts") or data.get("items")
        if items is None:
            for role in ROLES:
                value = data.get(role) or data.get("%sContactId" % role)
                if isinstance(value, dict):
                    value = value.get("contactId")
                if value not in (None, ""):
                    result[role] = str(value)
            return result
    for item in items or []:
        if not isinstance(item, dict):
            continue
        role = str(item.get("contactType") or "").strip().lower()
        role = {"admin": "administrator", "tech": "technical"}.get(role, role)
        if role in ROLES and item.get("contactId") not in (None, ""):
            result[role] = str(item["contactId"])
    return result


# ---------------------------------------------------------------------- local identity cache


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "webnic.ssl", "contacts")


class ContactCache:
    """``fingerprint -> contact id`` for one (API URL, username), one 0600 JSON file.

    Only a hint: every id read from it is checked with Get Contact Info before it is trusted.
    """

    def __init__(self, directory, api_url, username):
        self.directory = directory or default_cache_dir()
        key = hashlib.sha256(("%s\0%s" % (api_url.rstrip("/"), username)).encode("utf-8")).hexdigest()[:32]
        self.path = os.path.join(self.directory, "%s.json" % key)
        self.api_url = api_url.rstrip("/")
        self.username = username

    def _load(self):
        try:
            with open(self.path, "r") as handle:
                data = json.load(handle)
        except (IOError, OSError) as exc:
            if exc.errno == errno.ENOENT:
                return {}
            raise
        except ValueError:
            return {}  # a corrupt cache only costs a new contact; the file is rewritten below
        entries = data.get("contacts") if isinstance(data, dict) else None
        return entries if isinstance(entries, dict) else {}

    def get(self, key):
        """The contact id recorded for fingerprint ``key``, or None."""
        entry = self._load().get(key)
        if isinstance(entry, dict) and entry.get("contact_id"):
            return str(entry["contact_id"])
        return None

    def find_keys(self, ids):
        """Fingerprints recorded for any of the contact ``ids``."""
        wanted = {str(i) for i in ids}
        return [
            key
            for key, entry in self._load().items()
            if isinstance(entry, dict) and str(entry.get("contact_id")) in wanted
        ]

    def put(self, key, contact_id):
        entries = self._load()
        entries[key] = {"contact_id": str(contact_id), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self._write(entries)

    def remove(self, keys):
        entries = self._load()
        changed = False
        for key in keys:
            if key in entries:
                del entries[key]
                changed = True
        if changed:
            self._write(entries)

    def _write(self, entries):
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, 0o700)
        payload = {"api_url": self.api_url, "username": self.username, "contacts": entries}
        fd, tmp = tempfile.mkstemp(prefix=".contacts-", dir=self.directory)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(payload, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.rename(tmp, self.path)
        except Exception:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
