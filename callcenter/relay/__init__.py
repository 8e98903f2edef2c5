"""The bus carried across processes by PostgreSQL LISTEN/NOTIFY (issue 16: roles run apart)."""
