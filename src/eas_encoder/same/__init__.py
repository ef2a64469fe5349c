"""SAME/EAS protocol: code tables, header model, waveform constants, modulator, receiver."""
