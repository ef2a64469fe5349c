"""Cell broadcast tests: GSM 7-bit, TS 23.041 pages, WEA/CMAS, CLI."""
