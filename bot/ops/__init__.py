"""Running the bot: settings, start-up checks, the runner, health, metrics, logs,
shards, the CLI."""
