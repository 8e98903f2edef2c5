"""Call tracking: AMI events → per-call state → call records (R1, R2, R9–R11, R13)."""
