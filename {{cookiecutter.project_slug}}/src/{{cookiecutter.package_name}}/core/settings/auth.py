"""Authentication: token lifetimes, how long a user's status is trusted, and password hashing."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings

# OWASP's argon2id floor (19 MiB, 2 passes): production refuses cheaper password hashing.
MIN_PRODUCTION_HASH_MEMORY_KIB = 19 * 1024
MIN_PRODUCTION_HASH_TIME_COST = 2
# argon2 needs at least 8 KiB of memory per lane (PASSWORD_HASH_PARALLELISM).
ARGON2_MIN_KIB_PER_LANE = 8


class AuthSettings(ServiceSettings):
    access_token_expire_minutes: int = Field(default=15, ge=1)
    refresh_token_expire_days: int = Field(default=30, ge=1)
    # How long a process trusts what it read of a user (active? administrator?) before reading it
    # again: the bound on how late a deactivation reaches the other processes. 0 reads every time.
    auth_status_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # argon2id costs of new password hashes; stored hashes keep the costs they were made with.
    # The defaults are argon2-cffi's own (RFC 9106's low-memory profile).
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=64 * 1024, ge=ARGON2_MIN_KIB_PER_LANE)
    password_hash_parallelism: int = Field(default=4, ge=1)

    @model_validator(mode="after")
    def _check_password_hashing(self) -> Self:
        lanes_need = ARGON2_MIN_KIB_PER_LANE * self.password_hash_parallelism
        if self.password_hash_memory_kib < lanes_need:
            raise ValueError(
                f"PASSWORD_HASH_MEMORY_KIB={self.password_hash_memory_kib} is below the "
                f"{ARGON2_MIN_KIB_PER_LANE} KiB per lane that argon2 needs for "
                f"PASSWORD_HASH_PARALLELISM={self.password_hash_parallelism}; set "
                f"PASSWORD_HASH_MEMORY_KIB to {lanes_need} or more"
            )
        if not self.is_production:
            return self
        if self.password_hash_memory_kib < MIN_PRODUCTION_HASH_MEMORY_KIB:
            raise ValueError(
                f"PASSWORD_HASH_MEMORY_KIB={self.password_hash_memory_kib} is below OWASP's "
                f"argon2id minimum of {MIN_PRODUCTION_HASH_MEMORY_KIB} (19 MiB) in production; set "
                f"PASSWORD_HASH_MEMORY_KIB to {MIN_PRODUCTION_HASH_MEMORY_KIB} or more, or unset it"
            )
        if self.password_hash_time_cost < MIN_PRODUCTION_HASH_TIME_COST:
            raise ValueError(
                f"PASSWORD_HASH_TIME_COST={self.password_hash_time_cost} is below OWASP's "
                f"argon2id minimum of {MIN_PRODUCTION_HASH_TIME_COST} in production; set "
                f"PASSWORD_HASH_TIME_COST to {MIN_PRODUCTION_HASH_TIME_COST} or more, or unset it"
            )
        return self
