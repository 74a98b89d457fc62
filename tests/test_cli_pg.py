"""The command line against a real PostgreSQL: migrate, and backup's refusal."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import postgres
from tests.test_cli import drillbot


def test_db_migrate_twice_on_postgres(pg_cluster: postgres.Cluster, tmp_path: Path) -> None:
    url = postgres.create_database(pg_cluster, migrated=False)
    first = drillbot("db", "migrate", cwd=tmp_path, env={"DRILLBOT_DB": url})
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(rf"{re.escape(url)}: schema version \d+ \(applied 18.*\)\n", first.stdout)
    second = drillbot("db", "migrate", cwd=tmp_path, env={"DRILLBOT_DB": url})
    assert second.returncode == 0, second.stderr
    assert second.stdout.endswith("(up to date)\n")


def test_db_migrate_names_an_unreachable_server_without_its_password(tmp_path: Path) -> None:
    url = "postgresql://bot:hunter2@127.0.0.1:1/drill"
    result = drillbot("db", "migrate", cwd=tmp_path, env={"DRILLBOT_DB": url})
    assert result.returncode == 4
    assert "cannot open postgresql://bot:***@127.0.0.1:1/drill" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_db_backup_points_postgres_to_pg_dump(tmp_path: Path) -> None:
    env = {"DRILLBOT_DB": "postgresql://bot@127.0.0.1:1/drill"}
    result = drillbot("db", "backup", str(tmp_path / "copy"), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "pg_dump" in result.stderr
    assert not (tmp_path / "copy").exists()
