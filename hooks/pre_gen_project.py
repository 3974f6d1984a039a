"""Refuse bad answers before anything is written: one line naming the option and the fix."""

import json
import sys

sys.path.insert(0, "{{ cookiecutter._repo_dir }}/hooks")

from rules import validate  # noqa: E402

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

errors = validate(ANSWERS)
if errors:
    for message in errors:
        print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)
