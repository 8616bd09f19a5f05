"""民情通 core: domain model, rules and services shared by every page and the CLI."""
