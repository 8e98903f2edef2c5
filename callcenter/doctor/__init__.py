"""``callcenter doctor``: a preflight that checks a deployment from the service's side and from
Asterisk's, one line per check (OK, or what to fix)."""
