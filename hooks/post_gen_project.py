"""Prune the parts the answers did not choose, then write a local .env with fresh secrets."""

import json
import sys
from pathlib import Path

sys.path.insert(0, "{{ cookiecutter._repo_dir }}/hooks")

from rules import prune, write_dotenv  # noqa: E402

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
PROJECT_DIR = Path.cwd()

try:
    prune(PROJECT_DIR, ANSWERS)
    write_dotenv(PROJECT_DIR)
except (FileNotFoundError, ValueError) as exc:
    print(f"ERROR: {exc}", file=sys.stderr)
    sys.exit(1)
