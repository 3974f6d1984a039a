"""JSON Web Tokens (PyJWT, HS256) and password hashing (pwdlib, argon2id)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, TypeVar

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from {{ cookiecutter.package_name }}.core.config import get_settings

JWT_ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


@lru_cache(maxsize=1)
def password_hasher() -> PasswordHash:
    """argon2id at the PASSWORD_HASH_* costs, read once per process.

    The costs apply to new hashes only: argon2 reads them back from each stored hash, so hashes
    made before a change still verify.
    """
    settings = get_settings()
    argon2 = Argon2Hasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
    )
    return PasswordHash((argon2,))


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, at the configured costs."""
    return password_hasher().hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """True when `password` matches `hashed`."""
    return password_hasher().verify(password, hashed)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return password_hasher().hash("not-a-real-password")


def burn_password_check(password: str) -> None:
    """Spend the time of one verification, so unknown emails answer as slowly as wrong passwords."""
    password_hasher().verify(password, _dummy_hash())


# At the default costs argon2 takes about 0.1 s of CPU and 64 MiB per call. Requests run it in a
# thread, so the event loop keeps serving everyone else meanwhile, and at most this many at once,
# so a burst of logins cannot exhaust the memory. (A thread semaphore, not an asyncio one: it
# works on any event loop.)
HASHING_CONCURRENCY = 2
_hashing_slots = threading.BoundedSemaphore(HASHING_CONCURRENCY)


T = TypeVar("T")


async def _in_hashing_thread(func: Callable[..., T], *args: str) -> T:
    def bounded() -> T:
        with _hashing_slots:
            return func(*args)

    return await asyncio.to_thread(bounded)


async def hash_password_in_thread(password: str) -> str:
    """`hash_password`, off the event loop."""
    return await _in_hashing_thread(hash_password, password)


async def verify_password_in_thread(password: str, hashed: str) -> bool:
    """`verify_password`, off the event loop."""
    return await _in_hashing_thread(verify_password, password, hashed)


async def burn_password_check_in_thread(password: str) -> None:
    """`burn_password_check`, off the event loop."""
    await _in_hashing_thread(burn_password_check, password)


class InvalidTokenError(Exception):
    """The token is malformed, expired, wrongly signed or of the wrong type."""


@dataclass(frozen=True)
class TokenClaims:
    """The claims this service puts in every token."""

    sub: str
    type: TokenType
    jti: uuid.UUID
    iat: datetime
    exp: datetime


def create_token(
    subject: str,
    token_type: TokenType,
    *,
    secret_key: str,
    expires_in: timedelta,
    jti: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[str, TokenClaims]:
    """Sign a token for `subject`; returns the encoded token and its claims."""
    issued_at = now or datetime.now(UTC)
    claims = TokenClaims(
        sub=subject,
        type=token_type,
        jti=jti or uuid.uuid4(),
        iat=issued_at,
        exp=issued_at + expires_in,
    )
    payload = {
        "sub": claims.sub,
        "type": claims.type,
        "jti": str(claims.jti),
        "iat": claims.iat,
        "exp": claims.exp,
    }
    return jwt.encode(payload, secret_key, algorithm=JWT_ALGORITHM), claims


def decode_token(token: str, expected_type: TokenType, *, secret_key: str) -> TokenClaims:
    """Verify signature, expiry and type; raise `InvalidTokenError` otherwise."""
    try:
        payload = jwt.decode(
            token,
            secret_key,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "type", "jti", "iat", "exp"]},
        )
        if payload["type"] != expected_type:
            raise InvalidTokenError(f"expected a {expected_type} token")
        return TokenClaims(
            sub=str(payload["sub"]),
            type=expected_type,
            jti=uuid.UUID(str(payload["jti"])),
            iat=datetime.fromtimestamp(int(payload["iat"]), UTC),
            exp=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidTokenError(str(exc)) from exc
