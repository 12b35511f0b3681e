"""Settings read from the environment against their one definition (infra/settings.py): each
value parsed to its type, every bad one refused with its variable and what it allows, and the
README's table the definition's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra import cli
from infra.environment import SettingsError, markdown_table, variables
from infra.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_an_empty_environment_gives_every_default() -> None:
    assert Settings.from_env({}) == Settings(data_dir=Path(".caretrail").absolute())


def test_every_variable_is_read_into_its_type() -> None:
    settings = Settings.from_env(
        {
            "CARETRAIL_ENV": "production",
            "CARETRAIL_PORT": " 8102 ",
            "CARETRAIL_PROJECTION_SWEEP_SECONDS": "0.5",
            "CARETRAIL_SMTP_STARTTLS": "yes",
            "CARETRAIL_WEBHOOK_ALLOW_PRIVATE": "0",
            "CARETRAIL_OIDC_ALGORITHMS": "RS256, PS256,",
            "CARETRAIL_OIDC_JWKS_FILE": "/etc/caretrail/jwks.json",
            "CARETRAIL_LOG_LEVEL": "warning",
            "CARETRAIL_PUBLIC_URL": "https://caretrail.example/",
            "DATABASE_URL": "postgresql://owner@db/caretrail",
            "CARETRAIL_KEK": "",  # empty: unset
            "CARETRAIL_DATA_DIR": "~/ct",
        }
    )
    assert settings.production and settings.port == 8102
    assert settings.projection_sweep_seconds == 0.5
    assert settings.smtp_starttls is True and settings.webhook_allow_private is False
    assert settings.oidc_algorithms == ("RS256", "PS256")
    assert settings.oidc_jwks_file == Path("/etc/caretrail/jwks.json")
    assert settings.log_level == "WARNING" and settings.public_url == "https://caretrail.example"
    assert settings.database_url == "postgresql://owner@db/caretrail" and settings.kek is None
    assert settings.data_dir == Path("~/ct").expanduser()
    preferred = {"CARETRAIL_DATABASE_URL": "postgresql://a@x/y", "DATABASE_URL": "postgresql://b"}
    assert Settings.from_env(preferred).database_url == "postgresql://a@x/y"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"CARETRAIL_ENV": "Production"},
            "CARETRAIL_ENV='Production' is not allowed: expected one of development, production",
        ),
        ({"CARETRAIL_ENV": "prod"}, "CARETRAIL_ENV='prod' is not allowed"),
        (
            {"CARETRAIL_PORT": "70000"},
            "CARETRAIL_PORT='70000' is not allowed: expected a whole number at least 1 and at"
            " most 65535",
        ),
        ({"CARETRAIL_DB_POOL_SIZE": "ten"}, "CARETRAIL_DB_POOL_SIZE='ten' is not allowed"),
        ({"CARETRAIL_DIGEST_HOUR": "7.5"}, "CARETRAIL_DIGEST_HOUR='7.5' is not allowed"),
        (
            {"CARETRAIL_DETECTOR_SWEEP_SECONDS": "0"},
            "expected a number more than 0 and at most 604800",
        ),
        ({"CARETRAIL_SMTP_STARTTLS": "sometimes"}, "expected true or false"),
        ({"CARETRAIL_LOG_FORMAT": "xml"}, "expected one of console, json"),
        ({"CARETRAIL_APP_ROLE": 'app"; DROP'}, "CARETRAIL_APP_ROLE="),
        ({"CARETRAIL_OIDC_ALGORITHMS": ","}, "expected a comma-separated list"),
        (
            {
                "CARETRAIL_DELIVERY_BACKOFF_SECONDS": "60",
                "CARETRAIL_DELIVERY_BACKOFF_CAP_SECONDS": "5",
            },
            "CARETRAIL_DELIVERY_BACKOFF_CAP_SECONDS must be at least"
            " CARETRAIL_DELIVERY_BACKOFF_SECONDS (60.0)",
        ),
    ],
)
def test_a_value_not_allowed_is_refused_naming_the_variable_and_what_it_allows(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(environ)
    assert message in str(refused.value)


def test_every_bad_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"CARETRAIL_PORT": "x", "CARETRAIL_ENV": "staging", "CARETRAIL_HOST": ""})
    lines = str(refused.value).splitlines()
    assert [line.split("=")[0] for line in lines] == ["CARETRAIL_ENV", "CARETRAIL_PORT"]


def test_each_setting_has_one_variable_and_reads_its_own_default_back() -> None:
    """Every default, written as text into its variable, is allowed and reads back as itself:
    so no default lies outside its own bounds."""
    found = list(variables())
    assert [v.field for v in found] == list(Settings.__struct_fields__)
    names = [v.name for v in found]
    assert len(set(names)) == len(names) and all(n.startswith("CARETRAIL_") for n in names)
    for variable in found:
        if variable.default is None:
            continue
        text = _as_text(variable.default)
        read = getattr(Settings.from_env({variable.name: text}), variable.field)
        expected = variable.default
        if isinstance(expected, Path):
            expected = expected.absolute()
        assert read == expected, variable.name


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def test_the_readme_table_is_the_definitions_own() -> None:
    readme = README.read_text()
    assert markdown_table() in readme, (
        "README.md's configuration table differs from infra/settings.py:"
        " paste `uv run python -m infra.environment` over it"
    )


def test_the_cli_refuses_to_start_on_a_bad_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARETRAIL_ENV", "Production")
    assert cli.main(["db-url"]) == 2
    err = capsys.readouterr().err
    assert "CARETRAIL_ENV='Production' is not allowed" in err and "development, production" in err


def test_caretrail_up_stays_development(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("CARETRAIL_ENV", "production")
    assert cli.main(["up", "--data-dir", str(tmp_path)]) == 2
    assert "runs the development system" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing was started
