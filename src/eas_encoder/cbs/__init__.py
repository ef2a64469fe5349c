"""Cell broadcast: GSM 7-bit/UCS-2, 3GPP TS 23.041 pages, WEA/CMAS."""
