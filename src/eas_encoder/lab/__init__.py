"""The lab: test other vendors' decoders and ENDECs on impaired signals.

``channel`` makes the signals (random valid headers, noise at an Eb/N0, bit-rate error,
carrier offset, programme audio), ``impair`` the broadcast-chain impairments, ``decoders``
runs a decoder command and reads the headers it prints, ``bench`` scores every decoder on
every condition, and ``report`` writes the JSON and HTML a lab hands over.
"""
