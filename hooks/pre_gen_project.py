"""Refuse bad answers before anything is written: one line naming the option and the fix.

The verdict comes from hooks/rules.py, rendered in by the template's Jinja extension.
"""

import json
import sys

ERRORS = json.loads(r"""{{ cookiecutter | validation_errors | tojson }}""")

for message in ERRORS:
    print(f"ERROR: {message}", file=sys.stderr)
sys.exit(1 if ERRORS else 0)
