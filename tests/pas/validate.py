"""Independent base-structure check of umdesk's PAS exports.

Reads one Bundle (JSON) per path given and validates it, and every resource
in it, with the `fhir.resources` R4B models (the FHIR R4-family models that
fhir.resources 7+ ships; R4B keeps R4's Bundle, ClaimResponse, Patient,
Practitioner, Organization, Questionnaire and QuestionnaireResponse).
Prints one line per file, "ok PATH" or "invalid PATH: reason", and exits
0 only when every file is valid; 3 when the package is missing.
"""

import json
import sys

try:
    from fhir.resources.R4B.bundle import Bundle
except ImportError as err:  # the test must fail, not skip, without it
    print(f"fhir.resources is not installed: {err}", file=sys.stderr)
    sys.exit(3)


def check(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if data.get("resourceType") != "Bundle":
        raise ValueError("not a Bundle")
    Bundle.model_validate(data) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(data)


def main(paths):
    failed = False
    for path in paths:
        try:
            check(path)
            print(f"ok {path}")
        except Exception as err:  # any validation error is a finding
            failed = True
            reason = " ".join(str(err).split())[:400]
            print(f"invalid {path}: {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
