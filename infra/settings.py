"""Every setting, read once from the environment into one immutable object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_DATA_DIR = ".caretrail"


@dataclass(frozen=True, slots=True)
class Settings:
    #: "development" or "production"; production refuses development conveniences.
    environment: str = "development"
    #: Where the embedded database, its secrets and the runtime file live.
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    #: The owner's URL (runs migrations). Unset: an embedded PostgreSQL in data_dir.
    database_url: str | None = None
    #: The application role's URL (API and workers). Unset: derived from database_url.
    app_database_url: str | None = None
    owner_role: str = "caretrail_owner"
    app_role: str = "caretrail_app"
    app_password: str | None = None
    database_name: str = "caretrail"
    #: Base64 of the 32-byte key-encryption key that wraps every data subject's key.
    kek: str | None = None
    #: HS256 key of `caretrail token` development tokens (refused in production).
    dev_signing_key: str | None = None
    broker_url: str | None = None
    log_level: str = "INFO"
    log_format: str = "json"
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_size: int = 10
    #: How often the worker sweeps every tenant's projections up to date.
    projection_sweep_seconds: float = 2.0
    # --- workers and scheduler (workers/) ---
    #: Threads per worker process running messages (async actors share one event loop).
    worker_threads: int = 4
    #: Retries after a message's first failure before it is dead-lettered.
    worker_max_retries: int = 5
    #: Backoff before the first retry, doubling each retry up to `worker_max_backoff_ms`.
    worker_min_backoff_ms: int = 1000
    worker_max_backoff_ms: int = 300_000
    # --- alert delivery: webhooks and SMTP (services/alerts/) ---
    #: SMTP server for alert e-mail; unset: e-mail deliveries fail, are retried, then dead-lettered.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "caretrail@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    #: Upgrade the SMTP connection with STARTTLS before logging in.
    smtp_starttls: bool = False
    #: Prefixed to the API paths in webhook payloads and mails (e.g. https://caretrail.example).
    public_url: str = ""
    #: Attempts at one delivery before it is dead-lettered; backoff doubles from the first delay.
    delivery_max_attempts: int = 8
    delivery_backoff_seconds: float = 30.0
    delivery_backoff_cap_seconds: float = 3600.0
    #: How long one attempt may take before another worker may take the delivery over.
    delivery_lease_seconds: float = 120.0
    #: How often new alerts are fanned out to subscriptions and due deliveries are sent.
    delivery_sweep_seconds: float = 5.0
    webhook_timeout_seconds: float = 10.0
    #: Webhooks to loopback or private addresses; None: allowed except in production.
    webhook_allow_private: bool | None = None
    #: The daily digest covers the previous day (England) and goes out from this hour on.
    digest_hour: int = 7
    # --- alert detectors (workers/detectors/, workers/alerting.py) ---
    #: How often the scheduler has every tenant's detectors run (time alone makes things late).
    detector_sweep_seconds: float = 60.0
    #: How often unacknowledged alerts are checked for escalation.
    escalation_sweep_seconds: float = 300.0
    # --- authentication: OIDC and API keys (services/http/) ---
    #: The OpenID Connect provider's issuer (`iss`); unset: no OIDC tokens are accepted.
    oidc_issuer: str | None = None
    #: The audience (`aud`) tokens must name: caretrail's client id at the provider.
    oidc_audience: str | None = None
    #: Signing keys: a JWKS URL (cached, refetched for an unknown kid) or a JWKS file.
    oidc_jwks_url: str | None = None
    oidc_jwks_file: Path | None = None
    #: The only algorithms accepted (asymmetric: RS256, ES256, ...).
    oidc_algorithms: tuple[str, ...] = ("RS256", "ES256")
    #: The claim that names the user's provider group (its tenant id).
    oidc_tenant_claim: str = "caretrail_tenant"
    oidc_leeway_seconds: int = 30
    # --- external viewers (services/access/) ---
    # --- trail: signed heads (services/trail/) ---
    #: Base64 of the 32-byte Ed25519 seed that signs trail heads and evidence packs.
    trail_signing_key: str | None = None
    #: How often the scheduler has every tenant's current head signed.
    trail_head_seconds: float = 300.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        get = env.get
        return cls(
            environment=get("CARETRAIL_ENV", "development"),
            data_dir=Path(get("CARETRAIL_DATA_DIR", DEFAULT_DATA_DIR)).expanduser().absolute(),
            database_url=get("CARETRAIL_DATABASE_URL") or get("DATABASE_URL") or None,
            app_database_url=get("CARETRAIL_APP_DATABASE_URL") or None,
            owner_role=get("CARETRAIL_OWNER_ROLE", "caretrail_owner"),
            app_role=get("CARETRAIL_APP_ROLE", "caretrail_app"),
            app_password=get("CARETRAIL_APP_PASSWORD") or None,
            database_name=get("CARETRAIL_DATABASE_NAME", "caretrail"),
            kek=get("CARETRAIL_KEK") or None,
            dev_signing_key=get("CARETRAIL_DEV_SIGNING_KEY") or None,
            broker_url=get("CARETRAIL_BROKER_URL") or None,
            log_level=get("CARETRAIL_LOG_LEVEL", "INFO").upper(),
            log_format=get("CARETRAIL_LOG_FORMAT", "json"),
            host=get("CARETRAIL_HOST", "127.0.0.1"),
            port=int(get("CARETRAIL_PORT", "8000")),
            db_pool_size=int(get("CARETRAIL_DB_POOL_SIZE", "10")),
            projection_sweep_seconds=float(get("CARETRAIL_PROJECTION_SWEEP_SECONDS", "2")),
            # --- workers and scheduler ---
            worker_threads=int(get("CARETRAIL_WORKER_THREADS", "4")),
            worker_max_retries=int(get("CARETRAIL_WORKER_MAX_RETRIES", "5")),
            worker_min_backoff_ms=int(get("CARETRAIL_WORKER_MIN_BACKOFF_MS", "1000")),
            worker_max_backoff_ms=int(get("CARETRAIL_WORKER_MAX_BACKOFF_MS", "300000")),
            # --- alert delivery ---
            smtp_host=get("CARETRAIL_SMTP_HOST") or None,
            smtp_port=int(get("CARETRAIL_SMTP_PORT", "25")),
            smtp_from=get("CARETRAIL_SMTP_FROM", "caretrail@localhost"),
            smtp_user=get("CARETRAIL_SMTP_USER") or None,
            smtp_password=get("CARETRAIL_SMTP_PASSWORD") or None,
            smtp_starttls=get("CARETRAIL_SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            public_url=get("CARETRAIL_PUBLIC_URL", "").rstrip("/"),
            delivery_max_attempts=int(get("CARETRAIL_DELIVERY_MAX_ATTEMPTS", "8")),
            delivery_backoff_seconds=float(get("CARETRAIL_DELIVERY_BACKOFF_SECONDS", "30")),
            delivery_backoff_cap_seconds=float(
                get("CARETRAIL_DELIVERY_BACKOFF_CAP_SECONDS", "3600")
            ),
            delivery_lease_seconds=float(get("CARETRAIL_DELIVERY_LEASE_SECONDS", "120")),
            delivery_sweep_seconds=float(get("CARETRAIL_DELIVERY_SWEEP_SECONDS", "5")),
            webhook_timeout_seconds=float(get("CARETRAIL_WEBHOOK_TIMEOUT_SECONDS", "10")),
            webhook_allow_private=(
                get("CARETRAIL_WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes")
                if get("CARETRAIL_WEBHOOK_ALLOW_PRIVATE")
                else None
            ),
            digest_hour=int(get("CARETRAIL_DIGEST_HOUR", "7")),
            # --- alert detectors ---
            detector_sweep_seconds=float(get("CARETRAIL_DETECTOR_SWEEP_SECONDS", "60")),
            escalation_sweep_seconds=float(get("CARETRAIL_ESCALATION_SWEEP_SECONDS", "300")),
            # --- authentication ---
            oidc_issuer=get("CARETRAIL_OIDC_ISSUER") or None,
            oidc_audience=get("CARETRAIL_OIDC_AUDIENCE") or None,
            oidc_jwks_url=get("CARETRAIL_OIDC_JWKS_URL") or None,
            oidc_jwks_file=Path(jwks_file)
            if (jwks_file := get("CARETRAIL_OIDC_JWKS_FILE"))
            else None,
            oidc_algorithms=tuple(
                a.strip() for a in get("CARETRAIL_OIDC_ALGORITHMS", "RS256,ES256").split(",")
            ),
            oidc_tenant_claim=get("CARETRAIL_OIDC_TENANT_CLAIM", "caretrail_tenant"),
            oidc_leeway_seconds=int(get("CARETRAIL_OIDC_LEEWAY_SECONDS", "30")),
            # --- external viewers ---
            # --- trail ---
            trail_signing_key=get("CARETRAIL_TRAIL_SIGNING_KEY") or None,
            trail_head_seconds=float(get("CARETRAIL_TRAIL_HEAD_SECONDS", "300")),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def production(self) -> bool:
        return self.environment == "production"
