"""Reports read the stored calls: answer times against the three-ring rule (R1, R2, R10, R11),
follow-ups (R6-R8, R21) and the supervisors' daily spot checks (R20). Figures are aggregated in
the database; the CLI, the web pages and the exports all call the same functions."""
