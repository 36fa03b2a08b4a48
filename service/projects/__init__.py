"""项目管理: construction projects where machines are installed and used."""
