"""Settings: environment, YAML file, precedence, token handling and operator-facing errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.config import DISCORD_API_BASE, ConfigError, Secret, Settings

TOKEN = "MTIz.fake.token-value"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_anything() -> None:
    settings = Settings.load(env={})
    assert settings == Settings()
    assert settings.token is None
    assert settings.db_path == Path("drillbot.sqlite3")
    assert settings.content_dir is None
    assert settings.api_base == DISCORD_API_BASE


def test_environment_only() -> None:
    settings = Settings.load(
        env={
            "DISCORD_TOKEN": f"  {TOKEN}\n",
            "DRILLBOT_DB": "/data/drill.db",
            "DRILLBOT_CONTENT": "/packs",
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gw",
            "DRILLBOT_LOG_LEVEL": "debug",
        }
    )
    assert settings.token is not None and settings.token.reveal() == TOKEN
    assert settings.require_token() == Secret(TOKEN)
    assert settings.db_path == Path("/data/drill.db")
    assert settings.content_dir == Path("/packs")
    assert settings.api_base == "http://127.0.0.1:8080/api/v10"  # trailing slash dropped
    assert settings.gateway_url == "ws://127.0.0.1:8080/gw"
    assert settings.log_level == "DEBUG"


def test_yaml_file_only(tmp_path: Path) -> None:
    config = write(
        tmp_path / "drillbot.yaml",
        "db: /srv/drill.sqlite3\ncontent: /srv/packs\nlog_level: warning\n",
    )
    settings = Settings.load(env={}, config_file=config)
    assert settings.db_path == Path("/srv/drill.sqlite3")
    assert settings.content_dir == Path("/srv/packs")
    assert settings.log_level == "WARNING"
    assert settings.token is None


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = write(tmp_path / "drillbot.yaml", "db: from-file.db\nlog_level: ERROR\n")
    settings = Settings.load(env={"DRILLBOT_DB": "from-env.db"}, config_file=config)
    assert settings.db_path == Path("from-env.db")
    assert settings.log_level == "ERROR"  # not overridden, so the file's value stands


def test_empty_environment_value_does_not_override_file(tmp_path: Path) -> None:
    config = write(tmp_path / "drillbot.yaml", "db: from-file.db\n")
    settings = Settings.load(env={"DRILLBOT_DB": ""}, config_file=config)
    assert settings.db_path == Path("from-file.db")


def test_token_file_from_env_and_from_config(tmp_path: Path) -> None:
    token_file = write(tmp_path / "token", f"{TOKEN}\n")
    from_env = Settings.load(env={"DISCORD_TOKEN_FILE": str(token_file)})
    assert from_env.require_token().reveal() == TOKEN
    config = write(tmp_path / "drillbot.yaml", f"token_file: {token_file}\n")
    from_config = Settings.load(env={}, config_file=config)
    assert from_config.require_token().reveal() == TOKEN


def test_discord_token_wins_over_token_file(tmp_path: Path) -> None:
    token_file = write(tmp_path / "token", "file-token")
    settings = Settings.load(env={"DISCORD_TOKEN": TOKEN, "DISCORD_TOKEN_FILE": str(token_file)})
    assert settings.require_token().reveal() == TOKEN


def test_unreadable_token_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError, match="cannot read DISCORD_TOKEN_FILE") as caught:
        Settings.load(env={"DISCORD_TOKEN_FILE": str(missing)})
    assert str(missing) in str(caught.value)


def test_token_never_in_repr_or_str() -> None:
    settings = Settings.load(env={"DISCORD_TOKEN": TOKEN})
    assert settings.token
    for text in (repr(settings), str(settings), repr(settings.token), str(settings.token)):
        assert TOKEN not in text
        assert "MTIz" not in text
    assert "Secret('**********')" in repr(settings)
    assert f"{settings.token}" == "Secret('**********')"


def test_missing_token_names_both_variables() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={}).require_token()
    message = str(caught.value)
    assert "DISCORD_TOKEN" in message and "DISCORD_TOKEN_FILE" in message
    assert "\n" not in message


def test_bad_log_level_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={"DRILLBOT_LOG_LEVEL": "loud"})
    assert "log level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in str(caught.value)
    assert "'LOUD'" in str(caught.value)


def test_url_settings_must_be_urls() -> None:
    with pytest.raises(ConfigError, match="DISCORD_API_BASE must be a URL"):
        Settings.load(env={"DISCORD_API_BASE": "discord.com/api"})


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    config = write(tmp_path / "drillbot.yaml", "db: x.db\ndatabase: y.db\nlogLevel: INFO\n")
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={}, config_file=config)
    message = str(caught.value)
    assert message.startswith(f"{config}: unknown setting(s) database, logLevel;")
    assert "known: token_file, db" in message


def test_token_in_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "drillbot.yaml", f"token: {TOKEN}\n")
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={}, config_file=config)
    message = str(caught.value)
    assert "not here" in message and "DISCORD_TOKEN" in message
    assert TOKEN not in message


def test_invalid_yaml_file_names_the_line(tmp_path: Path) -> None:
    config = write(tmp_path / "drillbot.yaml", "db: ok.db\nlog_level: [INFO\n")
    with pytest.raises(ConfigError) as caught:
        Settings.load(env={}, config_file=config)
    assert str(caught.value).startswith(f"{config}:3: config file is not valid YAML")


def test_file_must_be_a_mapping(tmp_path: Path) -> None:
    config = write(tmp_path / "drillbot.yaml", "- db\n- x\n")
    with pytest.raises(ConfigError, match="must be a mapping of settings"):
        Settings.load(env={}, config_file=config)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        Settings.load(env={}, config_file=tmp_path / "absent.yaml")


def test_health_address_and_log_format() -> None:
    settings = Settings.load(env={"DRILLBOT_HEALTH": "0.0.0.0:9100", "DRILLBOT_LOG_FORMAT": "JSON"})
    assert (settings.health_host, settings.health_port) == ("0.0.0.0", 9100)
    assert settings.log_format == "json"
    default = Settings.load(env={})
    assert (default.health_host, default.health_port) == ("127.0.0.1", 8080)
    assert Settings.load(env={"DRILLBOT_HEALTH": "0"}).health_port == 0  # off


@pytest.mark.parametrize("value", ["host:", "host:http", ":70000", "a:b:c"])
def test_bad_health_address_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="DRILLBOT_HEALTH must be host:port"):
        Settings.load(env={"DRILLBOT_HEALTH": value})


def test_bad_log_format_is_refused() -> None:
    with pytest.raises(ConfigError, match="log format must be one of text, json"):
        Settings.load(env={"DRILLBOT_LOG_FORMAT": "xml"})


def test_message_content_is_asked_for_by_default_and_can_be_turned_off(tmp_path: Path) -> None:
    assert Settings.load(env={}).message_content == "auto"
    assert Settings.load(env={"DRILLBOT_MESSAGE_CONTENT": "OFF"}).message_content == "off"
    config = write(tmp_path / "c.yaml", "message_content: require\n")
    assert Settings.load(env={}, config_file=config).message_content == "require"
    with pytest.raises(ConfigError, match="DRILLBOT_MESSAGE_CONTENT must be one of auto, requ"):
        Settings.load(env={"DRILLBOT_MESSAGE_CONTENT": "yes"})
