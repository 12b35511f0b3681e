"""Every setting, defined once: its type and bounds, its default, its environment variable and
what it means. Read once from the environment into one immutable object (infra/environment.py
reads and checks it; the README's configuration table is generated from this definition).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

DEFAULT_DATA_DIR = ".caretrail"

Environment = Literal["development", "production"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["json", "console"]
#: A PostgreSQL name written into SQL by the bootstrap (quoted), so plain letters and digits.
SqlName = Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
Port = Annotated[int, Meta(ge=1, le=65535)]
Seconds = Annotated[float, Meta(gt=0, le=7 * 86400)]
Delay = Annotated[float, Meta(ge=0, le=7 * 86400)]


def var(name: str, meaning: str, *, shown: str | None = None, also: str | None = None) -> Meta:
    """Where a setting comes from: its environment variable (`also`: a second one read when the
    first is unset), what it means, and (`shown`) its default as the README puts it when the
    value alone would not say it."""
    return Meta(extra={"env": name, "also": also, "meaning": meaning, "shown": shown})


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    environment: Annotated[
        Environment,
        var("CARETRAIL_ENV", "`production` refuses dev tokens and generated keys"),
    ] = "development"
    data_dir: Annotated[
        Path, var("CARETRAIL_DATA_DIR", "embedded database, generated secrets, runtime file")
    ] = Path(DEFAULT_DATA_DIR)
    database_url: Annotated[
        str | None,
        var(
            "CARETRAIL_DATABASE_URL",
            "owner role URL (runs migrations); unset → embedded PostgreSQL",
            also="DATABASE_URL",
        ),
    ] = None
    app_database_url: Annotated[
        str | None,
        var("CARETRAIL_APP_DATABASE_URL", "application role URL (API, workers)", shown="derived"),
    ] = None
    admin_database_url: Annotated[
        str | None,
        var(
            "CARETRAIL_ADMIN_DATABASE_URL",
            "superuser URL: `caretrail migrate` first creates roles and database",
        ),
    ] = None
    owner_password: Annotated[
        str | None, var("CARETRAIL_OWNER_PASSWORD", "the owner role's password that bootstrap sets")
    ] = None
    app_password: Annotated[
        str | None,
        var("CARETRAIL_APP_PASSWORD", "the application role's password that bootstrap sets"),
    ] = None
    owner_role: Annotated[SqlName, var("CARETRAIL_OWNER_ROLE", "owner role name")] = (
        "caretrail_owner"
    )
    app_role: Annotated[SqlName, var("CARETRAIL_APP_ROLE", "application role name")] = (
        "caretrail_app"
    )
    database_name: Annotated[SqlName, var("CARETRAIL_DATABASE_NAME", "database name")] = "caretrail"
    kek: Annotated[
        str | None,
        var(
            "CARETRAIL_KEK",
            "base64 of the 32-byte key-encryption key wrapping every person's data key",
            shown="generated in the data dir (required in production)",
        ),
    ] = None
    dev_signing_key: Annotated[
        str | None,
        var(
            "CARETRAIL_DEV_SIGNING_KEY",
            "HS256 key of `caretrail token` development tokens (refused in production)",
            shown="generated in the data dir",
        ),
    ] = None
    oidc_issuer: Annotated[
        str | None,
        var("CARETRAIL_OIDC_ISSUER", "the OpenID Connect provider's `iss` (unset: no OIDC)"),
    ] = None
    oidc_audience: Annotated[
        str | None, var("CARETRAIL_OIDC_AUDIENCE", "the `aud` the provider's tokens must name")
    ] = None
    oidc_jwks_url: Annotated[
        str | None,
        var(
            "CARETRAIL_OIDC_JWKS_URL",
            "its signing keys (`https://` in production; cached 5 minutes, refetched for an"
            " unknown `kid`)",
        ),
    ] = None
    oidc_jwks_file: Annotated[
        Path | None,
        var("CARETRAIL_OIDC_JWKS_FILE", "or a file of them (re-read when it changes)"),
    ] = None
    oidc_algorithms: Annotated[
        tuple[str, ...],
        Meta(min_length=1),
        var(
            "CARETRAIL_OIDC_ALGORITHMS",
            "the only algorithms accepted, comma-separated (asymmetric)",
        ),
    ] = ("RS256", "ES256")
    oidc_tenant_claim: Annotated[
        str,
        var(
            "CARETRAIL_OIDC_TENANT_CLAIM", "the claim naming the user's provider group (tenant id)"
        ),
    ] = "caretrail_tenant"
    oidc_leeway_seconds: Annotated[
        int,
        Meta(ge=0, le=3600),
        var("CARETRAIL_OIDC_LEEWAY_SECONDS", "clock skew tolerated on `exp`/`nbf`/`iat`"),
    ] = 30
    host: Annotated[str, var("CARETRAIL_HOST", "API bind address")] = "127.0.0.1"
    port: Annotated[Port, var("CARETRAIL_PORT", "API port")] = 8000
    log_level: Annotated[LogLevel, var("CARETRAIL_LOG_LEVEL", "log level (any case)")] = "INFO"
    log_format: Annotated[LogFormat, var("CARETRAIL_LOG_FORMAT", "log line format")] = "json"
    db_pool_size: Annotated[
        int, Meta(ge=1, le=1000), var("CARETRAIL_DB_POOL_SIZE", "connections per process")
    ] = 10
    broker_url: Annotated[
        str | None,
        var(
            "CARETRAIL_BROKER_URL",
            "the dramatiq broker, chosen by URL: `postgresql://…`, `amqp://…` (RabbitMQ) or"
            " `redis://…` (see Workers)",
            shown="unset → the application database",
        ),
    ] = None
    # --- workers and scheduler (workers/) ---
    worker_threads: Annotated[
        int,
        Meta(ge=1, le=256),
        var("CARETRAIL_WORKER_THREADS", "messages a worker process runs at once"),
    ] = 4
    worker_max_retries: Annotated[
        int,
        Meta(ge=0, le=100),
        var(
            "CARETRAIL_WORKER_MAX_RETRIES",
            "retries after a message's first failure, then it is dead-lettered",
        ),
    ] = 5
    worker_min_backoff_ms: Annotated[
        int,
        Meta(ge=0, le=86_400_000),
        var("CARETRAIL_WORKER_MIN_BACKOFF_MS", "first retry delay (doubling each retry)"),
    ] = 1000
    worker_max_backoff_ms: Annotated[
        int,
        Meta(ge=0, le=86_400_000),
        var("CARETRAIL_WORKER_MAX_BACKOFF_MS", "the retry delay's cap"),
    ] = 300_000
    projection_sweep_seconds: Annotated[
        Seconds,
        var(
            "CARETRAIL_PROJECTION_SWEEP_SECONDS",
            "how often the scheduler has the workers bring every tenant's projections up to date",
        ),
    ] = 2.0
    # --- alert delivery: webhooks and SMTP (services/alerts/) ---
    smtp_host: Annotated[
        str | None,
        var(
            "CARETRAIL_SMTP_HOST",
            "SMTP server for alert e-mail (unset: mail deliveries fail and are dead-lettered)",
        ),
    ] = None
    smtp_port: Annotated[Port, var("CARETRAIL_SMTP_PORT", "its port")] = 25
    smtp_from: Annotated[str, var("CARETRAIL_SMTP_FROM", "the sender of alert mail")] = (
        "caretrail@localhost"
    )
    smtp_user: Annotated[str | None, var("CARETRAIL_SMTP_USER", "SMTP login")] = None
    smtp_password: Annotated[str | None, var("CARETRAIL_SMTP_PASSWORD", "its password")] = None
    smtp_starttls: Annotated[bool, var("CARETRAIL_SMTP_STARTTLS", "STARTTLS before logging in")] = (
        False
    )
    public_url: Annotated[
        str,
        var(
            "CARETRAIL_PUBLIC_URL",
            "prefix of the links in webhook payloads and mails (e.g. https://caretrail.example)",
            shown="empty (paths only)",
        ),
    ] = ""
    delivery_max_attempts: Annotated[
        int,
        Meta(ge=1, le=100),
        var("CARETRAIL_DELIVERY_MAX_ATTEMPTS", "attempts before a delivery is dead-lettered"),
    ] = 8
    delivery_backoff_seconds: Annotated[
        Delay, var("CARETRAIL_DELIVERY_BACKOFF_SECONDS", "first retry delay (doubling)")
    ] = 30.0
    delivery_backoff_cap_seconds: Annotated[
        Delay, var("CARETRAIL_DELIVERY_BACKOFF_CAP_SECONDS", "the retry delay's cap")
    ] = 3600.0
    delivery_lease_seconds: Annotated[
        Seconds,
        var(
            "CARETRAIL_DELIVERY_LEASE_SECONDS",
            "how long one attempt may run before another worker takes it over",
        ),
    ] = 120.0
    delivery_sweep_seconds: Annotated[
        Seconds,
        var(
            "CARETRAIL_DELIVERY_SWEEP_SECONDS",
            "how often new alerts are fanned out and due deliveries sent",
        ),
    ] = 5.0
    webhook_timeout_seconds: Annotated[
        float,
        Meta(gt=0, le=300),
        var("CARETRAIL_WEBHOOK_TIMEOUT_SECONDS", "webhook request timeout"),
    ] = 10.0
    webhook_allow_private: Annotated[
        bool | None,
        var(
            "CARETRAIL_WEBHOOK_ALLOW_PRIVATE",
            "allow webhooks to loopback, private and link-local addresses",
            shown="`false` in production, else `true`",
        ),
    ] = None
    digest_hour: Annotated[
        int,
        Meta(ge=0, le=23),
        var("CARETRAIL_DIGEST_HOUR", "hour (England) from which yesterday's digest is sent"),
    ] = 7
    # --- alert detectors (workers/detectors/, workers/alerting.py) ---
    detector_sweep_seconds: Annotated[
        Seconds,
        var(
            "CARETRAIL_DETECTOR_SWEEP_SECONDS",
            "how often the scheduler has the detectors run for every group",
        ),
    ] = 60.0
    escalation_sweep_seconds: Annotated[
        Seconds,
        var(
            "CARETRAIL_ESCALATION_SWEEP_SECONDS",
            "how often unacknowledged alerts are checked for escalation",
        ),
    ] = 300.0
    # --- trail: signed heads (services/trail/) ---
    trail_signing_key: Annotated[
        str | None,
        var(
            "CARETRAIL_TRAIL_SIGNING_KEY",
            "base64 of the 32-byte Ed25519 seed signing trail heads and evidence packs",
            shown="generated in the data dir (required in production)",
        ),
    ] = None
    trail_head_seconds: Annotated[
        Seconds,
        var(
            "CARETRAIL_TRAIL_HEAD_SECONDS", "how often the scheduler signs each group's moved head"
        ),
    ] = 300.0

    @classmethod
    def from_env(cls, environ: Any = None) -> Settings:
        """The settings the environment (`os.environ` unless given) holds; SettingsError naming
        every variable whose value is not allowed, and what is."""
        from infra.environment import read_settings

        return read_settings(environ)

    def with_(self, **changes: object) -> Settings:
        return msgspec.structs.replace(self, **changes)

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def production(self) -> bool:
        return self.environment == "production"
