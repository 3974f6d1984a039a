"""Admin commands: `{{ cookiecutter.project_slug }} create-superuser --email ... --password ...`.

Values come from the flags or, when a flag is absent, from SUPERUSER_EMAIL / SUPERUSER_PASSWORD
(environment or `.env`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.core.db import create_engine, create_session_factory
from {{ cookiecutter.package_name }}.users.schemas import UserCreate
from {{ cookiecutter.package_name }}.users.service import create_or_promote_superuser


class SuperuserDefaults(BaseSettings):
    """SUPERUSER_EMAIL and SUPERUSER_PASSWORD, the defaults of the create-superuser flags."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    superuser_email: str = ""
    superuser_password: str = ""


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    defaults = SuperuserDefaults()
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-superuser", help="create an admin user, or promote an existing one"
    )
    create.add_argument("--email", default=defaults.superuser_email or None)
    create.add_argument("--password", default=defaults.superuser_password or None)
    return parser


async def create_superuser(email: str, password: str) -> str:
    """Create or promote the superuser; returns a one-line report."""
    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            user, created = await create_or_promote_superuser(
                session, email=email, password=password
            )
    finally:
        await engine.dispose()
    return f"{'created' if created else 'promoted'} superuser {user.email}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `{{ cookiecutter.project_slug }}` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.email or not args.password:
        parser.error("give --email and --password (or SUPERUSER_EMAIL and SUPERUSER_PASSWORD)")
    try:
        data = UserCreate.model_validate({"email": args.email, "password": args.password})
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        print(f"error: {problems}", file=sys.stderr)
        return 2
    print(asyncio.run(create_superuser(data.email, data.password)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
